package org.maverick.standin;

import com.google.protobuf.ByteString;
import inference.GrpcService.InferTensorContents;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Tensor data in the protocol's two forms. Raw form: little-endian, row-major, no padding; a
 * BYTES element is a 4-byte little-endian length followed by its bytes; BOOL is one byte.
 * Decoded values are {@code byte[]} (BYTES), {@code Boolean}, {@code Long} (integers) or
 * {@code Double} (floating point); FP16/BF16 are not decoded (the stand-in's models have none).
 */
final class Tensors {

    private Tensors() {
    }

    static List<Object> decodeRaw(String name, String datatype, ByteString raw) throws RequestError {
        ByteBuffer buf = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        List<Object> values = new ArrayList<>();
        try {
            while (buf.hasRemaining()) {
                switch (datatype) {
                    case "BYTES" -> {
                        int len = buf.getInt();
                        if (len < 0 || len > buf.remaining()) {
                            throw new RequestError("element byte size indicator exceeds the end of the buffer for input '"
                                    + name + "'");
                        }
                        byte[] element = new byte[len];
                        buf.get(element);
                        values.add(element);
                    }
                    case "BOOL" -> values.add(buf.get() != 0);
                    case "INT8" -> values.add((long) buf.get());
                    case "UINT8" -> values.add((long) (buf.get() & 0xff));
                    case "INT16" -> values.add((long) buf.getShort());
                    case "UINT16" -> values.add((long) (buf.getShort() & 0xffff));
                    case "INT32" -> values.add((long) buf.getInt());
                    case "UINT32" -> values.add(buf.getInt() & 0xffffffffL);
                    case "INT64", "UINT64" -> values.add(buf.getLong());
                    case "FP32" -> values.add((double) buf.getFloat());
                    case "FP64" -> values.add(buf.getDouble());
                    default -> {
                        return values;
                    }
                }
            }
        } catch (java.nio.BufferUnderflowException e) {
            throw new RequestError("unexpected size of raw input '" + name + "' for datatype " + datatype);
        }
        return values;
    }

    static List<Object> decodeTyped(String datatype, InferTensorContents c) {
        List<Object> values = new ArrayList<>();
        switch (datatype) {
            case "BYTES" -> c.getBytesContentsList().forEach(b -> values.add(b.toByteArray()));
            case "BOOL" -> values.addAll(c.getBoolContentsList());
            case "INT8", "INT16", "INT32" -> c.getIntContentsList().forEach(v -> values.add((long) v));
            case "UINT8", "UINT16", "UINT32" -> c.getUintContentsList().forEach(v -> values.add(v & 0xffffffffL));
            case "INT64" -> values.addAll(c.getInt64ContentsList());
            case "UINT64" -> values.addAll(c.getUint64ContentsList());
            case "FP32" -> c.getFp32ContentsList().forEach(v -> values.add((double) v));
            case "FP64" -> values.addAll(c.getFp64ContentsList());
            default -> { }
        }
        return values;
    }

    /** One BYTES element in raw form. */
    static ByteString bytesElement(byte[] element) {
        ByteBuffer buf = ByteBuffer.allocate(4 + element.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(element.length).put(element);
        return ByteString.copyFrom(buf.array());
    }

    static ByteString bytesElement(String text) {
        return bytesElement(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static ByteString int32(int value) {
        return ByteString.copyFrom(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array());
    }
}
