package org.maverick.gateway.backend.triton;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import inference.GrpcService.InferParameter;
import inference.GrpcService.ModelInferRequest;
import inference.GrpcService.ModelInferRequest.InferInputTensor;
import org.maverick.gateway.generation.Generation;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Turns a {@link Generation} into the one {@code ModelInferRequest} of its {@code ModelStreamInfer}
 * call, for whichever contract the model has. All inputs travel in {@code raw_input_contents}
 * (Triton's little-endian raw layout; BYTES elements are a 4-byte length and the bytes), and only
 * inputs the model declares are sent.
 */
final class TritonRequests {

    /** Always asked for: otherwise a final marker without data is dropped and the end is never seen. */
    static final String EMPTY_FINAL = "triton_enable_empty_final_response";

    private TritonRequests() {
    }

    /**
     * Characters of text the request carries (the prompt and any pictures' data URIs): a lower bound on its
     * size in bytes, which decides where it is built (see {@code TritonBackend}).
     */
    static long textChars(Generation g) {
        long chars = g.prompt().length();
        for (String image : g.images()) {
            chars += image.length();
        }
        return chars;
    }

    static ModelInferRequest build(Generation g, ModelContract contract) {
        Builder b = new Builder(contract, g.requestId());
        Generation.Sampling s = g.sampling();
        b.bytes("text_input", List.of(g.prompt()));
        if (!g.images().isEmpty()) {
            // Only data: URIs the gateway checked: the model never fetches anything a caller names.
            b.bytes("image_url", g.images());
        }
        if (contract.kind() == ModelContract.Kind.LLMAPI) {
            b.bool("streaming", true);
            b.int32("sampling_param_max_tokens", s.maxTokens());
            b.fp32("sampling_param_temperature", s.temperature());
            b.fp32("sampling_param_top_p", s.topP());
            b.fp32("sampling_param_presence_penalty", s.presencePenalty());
            b.fp32("sampling_param_frequency_penalty", s.frequencyPenalty());
            s.seed().ifPresent(seed -> b.uint64("sampling_param_seed", seed));
            if (!g.stop().isEmpty()) {
                b.bytes("sampling_param_stop", g.stop());
            }
            b.bool("return_finish_reason", true);
        } else {
            b.int32("max_tokens", s.maxTokens());
            b.bool("stream", true);
            b.fp32("temperature", s.temperature());
            b.fp32("top_p", s.topP());
            b.fp32("presence_penalty", s.presencePenalty());
            b.fp32("frequency_penalty", s.frequencyPenalty());
            contract.firstDeclared("seed", "random_seed").ifPresent(name ->
                    s.seed().ifPresent(seed -> b.uint64(name, seed)));
            if (!g.stop().isEmpty()) {
                b.bytes("stop_words", g.stop());
            }
            b.bool("exclude_input_in_output", true);
            b.bool("return_num_input_tokens", true);
            b.bool("return_num_output_tokens", true);
        }
        return b.request
                .putParameters(EMPTY_FINAL, InferParameter.newBuilder().setBoolParam(true).build())
                .build();
    }

    private static final class Builder {
        final ModelContract contract;
        final ModelInferRequest.Builder request;

        Builder(ModelContract contract, String id) {
            this.contract = contract;
            this.request = ModelInferRequest.newBuilder().setModelName(contract.modelName()).setId(id);
        }

        /**
         * Each element a 4-byte length and its UTF-8 bytes. The encoded text is wrapped, not copied (a long
         * prompt is hundreds of KB): the arrays are new here and never written again.
         */
        void bytes(String name, List<String> values) {
            if (!contract.declares(name)) {
                return;
            }
            ByteString raw = ByteString.EMPTY;
            for (String value : values) {
                byte[] encoded = value.getBytes(StandardCharsets.UTF_8);
                raw = raw.concat(UnsafeByteOperations.unsafeWrap(
                                ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(encoded.length).array()))
                        .concat(UnsafeByteOperations.unsafeWrap(encoded));
            }
            add(name, "BYTES", values.size(), raw);
        }

        void bool(String name, boolean value) {
            if (contract.declares(name)) {
                add(name, "BOOL", 1, new byte[]{(byte) (value ? 1 : 0)});
            }
        }

        void int32(String name, int value) {
            if (contract.declares(name)) {
                add(name, "INT32", 1, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array());
            }
        }

        void uint64(String name, long value) {
            if (contract.declares(name)) {
                add(name, "UINT64", 1, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
            }
        }

        void fp32(String name, double value) {
            if (contract.declares(name)) {
                add(name, "FP32", 1,
                        ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat((float) value).array());
            }
        }

        private void add(String name, String datatype, int elements, byte[] raw) {
            add(name, datatype, elements, ByteString.copyFrom(raw));
        }

        private void add(String name, String datatype, int elements, ByteString raw) {
            InferInputTensor.Builder t = InferInputTensor.newBuilder().setName(name).setDatatype(datatype);
            if (contract.batchDim()) {
                t.addShape(1);
            }
            t.addShape(elements);
            request.addInputs(t).addRawInputContents(raw);
        }
    }
}
