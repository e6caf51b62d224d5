package org.maverick.gateway.backend.triton;

import com.google.protobuf.ByteString;
import inference.GrpcService.InferParameter;
import inference.GrpcService.ModelInferResponse;
import inference.GrpcService.ModelInferResponse.InferOutputTensor;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Reads the tensors of one streamed Triton response. Triton answers in {@code raw_output_contents[i]}
 * for {@code outputs[i]}; typed {@code contents} are read too, for servers that send them.
 * Pure functions, called once per response on the hot path: no copies beyond the text itself.
 */
final class TritonResponses {

    static final String FINAL = "triton_final_response";

    private TritonResponses() {
    }

    /** Whether Triton flagged this as the request's last response. */
    static boolean isFinal(ModelInferResponse r) {
        InferParameter p = r.getParametersMap().get(FINAL);
        return p != null && p.getBoolParam();
    }

    /** The first element of a BYTES output as raw bytes, if the response carries that output. */
    static Optional<byte[]> firstBytes(ModelInferResponse r, String name) {
        int i = indexOf(r, name);
        if (i < 0) {
            return Optional.empty();
        }
        if (i < r.getRawOutputContentsCount()) {
            ByteString raw = r.getRawOutputContents(i);
            if (raw.size() < 4) {
                return Optional.of(new byte[0]);
            }
            int len = raw.substring(0, 4).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getInt();
            if (len < 0 || 4 + len > raw.size()) {
                throw new IllegalArgumentException("output '" + name + "' has a BYTES element of length " + len
                        + " in a buffer of " + raw.size() + " bytes");
            }
            return Optional.of(raw.substring(4, 4 + len).toByteArray());
        }
        InferOutputTensor t = r.getOutputs(i);
        if (t.hasContents() && t.getContents().getBytesContentsCount() > 0) {
            return Optional.of(t.getContents().getBytesContents(0).toByteArray());
        }
        return Optional.of(new byte[0]);
    }

    static Optional<String> firstString(ModelInferResponse r, String name) {
        return firstBytes(r, name).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    /** The first element of an INT32 or INT64 output (also accepted as a decimal string, as the llmapi model sends some). */
    static OptionalInt firstInt(ModelInferResponse r, String name) {
        int i = indexOf(r, name);
        if (i < 0) {
            return OptionalInt.empty();
        }
        InferOutputTensor t = r.getOutputs(i);
        String type = t.getDatatype();
        if (i < r.getRawOutputContentsCount()) {
            ByteString raw = r.getRawOutputContents(i);
            var buf = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            switch (type) {
                case "INT32":
                    return raw.size() >= 4 ? OptionalInt.of(buf.getInt()) : OptionalInt.empty();
                case "INT64":
                    return raw.size() >= 8 ? OptionalInt.of((int) buf.getLong()) : OptionalInt.empty();
                case "BYTES":
                    return firstString(r, name).map(String::trim).filter(s -> s.matches("-?\\d+"))
                            .map(s -> OptionalInt.of(Integer.parseInt(s))).orElse(OptionalInt.empty());
                default:
                    return OptionalInt.empty();
            }
        }
        if (t.hasContents()) {
            if (t.getContents().getIntContentsCount() > 0) {
                return OptionalInt.of(t.getContents().getIntContents(0));
            }
            if (t.getContents().getInt64ContentsCount() > 0) {
                return OptionalInt.of((int) t.getContents().getInt64Contents(0));
            }
        }
        return OptionalInt.empty();
    }

    private static int indexOf(ModelInferResponse r, String name) {
        for (int i = 0, n = r.getOutputsCount(); i < n; i++) {
            if (name.equals(r.getOutputs(i).getName())) {
                return i;
            }
        }
        return -1;
    }
}
