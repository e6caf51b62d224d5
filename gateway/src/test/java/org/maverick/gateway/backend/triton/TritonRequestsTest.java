package org.maverick.gateway.backend.triton;

import inference.GrpcService.InferParameter;
import inference.GrpcService.ModelInferRequest;
import inference.GrpcService.ModelInferResponse;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.generation.Generation;

import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tensor encoding and decoding in Triton's raw little-endian layout, for both contracts. */
class TritonRequestsTest {

    private static Generation generation(List<String> stop) {
        return new Generation("chatcmpl-1", "llama-4-maverick", Generation.Kind.CHAT, "héllo", 3, true,
                new Generation.Sampling(64, 0.5, 0.9, 0, 0, OptionalLong.of(42)), stop, true, false, 0,
                Generation.Dispatch.DIRECT, "anonymous");
    }

    private static ModelContract llmapi(String... inputs) {
        Map<String, String> in = new LinkedHashMap<>();
        in.put("text_input", "BYTES");
        for (String i : inputs) {
            in.put(i, i.contains("max_tokens") ? "INT32" : "BOOL");
        }
        return new ModelContract(ModelContract.Kind.LLMAPI, "tensorrt_llm", in, Map.of("text_output", "BYTES"),
                false, true);
    }

    @Test
    void llmapiRequestCarriesOnlyDeclaredInputsInRawForm() {
        ModelInferRequest r = TritonRequests.build(generation(List.of("END", "ß")),
                llmapi("streaming", "sampling_param_max_tokens", "sampling_param_stop"));
        assertEquals("tensorrt_llm", r.getModelName());
        assertEquals("chatcmpl-1", r.getId());
        assertEquals(List.of("text_input", "streaming", "sampling_param_max_tokens", "sampling_param_stop"),
                r.getInputsList().stream().map(ModelInferRequest.InferInputTensor::getName).toList());
        assertEquals(r.getInputsCount(), r.getRawInputContentsCount());
        assertTrue(r.getInputsList().stream().noneMatch(ModelInferRequest.InferInputTensor::hasContents),
                "raw and typed contents are never mixed");
        // BYTES: 4-byte little-endian length, then UTF-8
        ByteBuffer text = r.getRawInputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(6, text.getInt());
        assertEquals(List.of(1L), r.getInputs(0).getShapeList());
        assertEquals(1, r.getRawInputContents(1).byteAt(0));
        assertEquals(64, r.getRawInputContents(2).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getInt());
        assertEquals(List.of(2L), r.getInputs(3).getShapeList());
        assertEquals(4 + 3 + 4 + 2, r.getRawInputContents(3).size());
        InferParameter emptyFinal = r.getParametersMap().get("triton_enable_empty_final_response");
        assertTrue(emptyFinal.getBoolParam());
    }

    /** The layout Triton reads for BYTES: each element a 4-byte little-endian length, then its UTF-8 bytes. */
    private static byte[] bytesTensor(List<String> values) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (String v : values) {
            byte[] e = v.getBytes(StandardCharsets.UTF_8);
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(e.length).array());
            out.writeBytes(e);
        }
        return out.toByteArray();
    }

    @Test
    void aLongPromptAndSeveralStopsKeepTheBytesLayoutAcrossTheWire() throws Exception {
        StringBuilder p = new StringBuilder();
        for (int i = 0; p.length() < 300_000; i++) {
            p.append("turn ").append(i).append(" \u2019café\u2014 😀 ");
        }
        String prompt = p.toString();
        List<String> stops = List.of("END", "ß", "", "\u2014");
        Generation g = new Generation("chatcmpl-2", "llama-4-maverick", Generation.Kind.CHAT, prompt, 3, true,
                new Generation.Sampling(64, 0.5, 0.9, 0, 0, OptionalLong.empty()), stops, true, false, 0,
                Generation.Dispatch.DIRECT, "anonymous");
        ModelInferRequest built = TritonRequests.build(g, llmapi("sampling_param_stop"));
        ModelInferRequest r = ModelInferRequest.parseFrom(built.toByteArray()); // as Triton reads it
        assertEquals(built, r);
        assertEquals(ByteString.copyFrom(bytesTensor(List.of(prompt))), r.getRawInputContents(0));
        assertEquals(ByteString.copyFrom(bytesTensor(stops)), r.getRawInputContents(1));
        assertEquals(List.of(4L), r.getInputs(1).getShapeList());
        assertEquals(prompt.length(), TritonRequests.textChars(g));
        Generation withPictures = new Generation(g.requestId(), g.modelId(), g.kind(), prompt, 3, true, g.sampling(),
                stops, true, false, 0, Generation.Dispatch.DIRECT, "anonymous", List.of("data:x", "y"));
        assertEquals(prompt.length() + 7, TritonRequests.textChars(withPictures));
    }

    @Test
    void ensembleRequestHasBatchedShapes() {
        Map<String, String> in = Map.of("text_input", "BYTES", "max_tokens", "INT32", "stream", "BOOL",
                "seed", "UINT64");
        ModelContract ensemble = new ModelContract(ModelContract.Kind.ENSEMBLE, "ensemble", in,
                Map.of("text_output", "BYTES"), true, true);
        ModelInferRequest r = TritonRequests.build(generation(List.of()), ensemble);
        assertEquals(List.of(1L, 1L), r.getInputs(0).getShapeList());
        var names = r.getInputsList().stream().map(ModelInferRequest.InferInputTensor::getName).toList();
        assertTrue(names.containsAll(List.of("text_input", "max_tokens", "stream", "seed")), names.toString());
        assertFalse(names.contains("stop_words"));
        int seedIndex = names.indexOf("seed");
        assertEquals(42L, r.getRawInputContents(seedIndex).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getLong());
    }

    @Test
    void responsesAreReadFromRawOutputs() {
        byte[] text = "olá".getBytes(StandardCharsets.UTF_8);
        ByteBuffer element = ByteBuffer.allocate(4 + text.length).order(ByteOrder.LITTLE_ENDIAN).putInt(text.length)
                .put(text);
        ModelInferResponse r = ModelInferResponse.newBuilder()
                .addOutputs(ModelInferResponse.InferOutputTensor.newBuilder().setName("text_output").setDatatype("BYTES"))
                .addRawOutputContents(ByteString.copyFrom(element.array()))
                .addOutputs(ModelInferResponse.InferOutputTensor.newBuilder().setName("num_output_tokens")
                        .setDatatype("INT32"))
                .addRawOutputContents(ByteString.copyFrom(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(5).array()))
                .putParameters("triton_final_response", InferParameter.newBuilder().setBoolParam(true).build())
                .build();
        assertEquals("olá", TritonResponses.firstString(r, "text_output").orElseThrow());
        assertEquals(5, TritonResponses.firstInt(r, "num_output_tokens").getAsInt());
        assertTrue(TritonResponses.isFinal(r));
        assertTrue(TritonResponses.firstString(r, "finish_reason").isEmpty());
    }

    @Test
    void aTruncatedBytesElementIsAClearError() {
        ModelInferResponse r = ModelInferResponse.newBuilder()
                .addOutputs(ModelInferResponse.InferOutputTensor.newBuilder().setName("text_output").setDatatype("BYTES"))
                .addRawOutputContents(ByteString.copyFrom(ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(100).array()))
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TritonResponses.firstBytes(r, "text_output"));
        assertTrue(e.getMessage().contains("text_output"));
    }
}
