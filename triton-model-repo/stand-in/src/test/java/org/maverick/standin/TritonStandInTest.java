package org.maverick.standin;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.maverick.standin.TritonClient.ONE;
import static org.maverick.standin.TritonClient.ensemble;
import static org.maverick.standin.TritonClient.isFinal;
import static org.maverick.standin.TritonClient.llmapi;
import static org.maverick.standin.TritonClient.text;

import inference.GrpcService.ModelConfigRequest;
import inference.GrpcService.ModelInferRequest;
import inference.GrpcService.ModelMetadataRequest;
import inference.GrpcService.ModelMetadataResponse;
import inference.GrpcService.ModelReadyRequest;
import inference.GrpcService.ModelStreamInferResponse;
import inference.GrpcService.ServerLiveRequest;
import inference.GrpcService.ServerReadyRequest;
import inference.ModelConfigOuterClass.ModelConfig;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TritonStandInTest {

    TritonStandIn standIn;
    TritonClient client;

    @BeforeEach
    void start() throws Exception {
        standIn = TritonStandIn.builder().port(0).timing(Timing.fast()).build().start();
        client = new TritonClient(standIn.port());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        standIn.close();
    }

    @Test
    void metadataOfLlmapiModelUsesTritonDatatypesWithoutBatchDimension() {
        ModelMetadataResponse m = client.blocking.modelMetadata(ModelMetadataRequest.newBuilder().setName("tensorrt_llm").build());
        assertEquals("python", m.getPlatform());
        assertEquals(List.of("1"), m.getVersionsList());
        var textInput = m.getInputsList().stream().filter(t -> t.getName().equals("text_input")).findFirst().orElseThrow();
        assertEquals("BYTES", textInput.getDatatype());
        assertEquals(List.of(-1L), textInput.getShapeList());
        var temperature = m.getInputsList().stream().filter(t -> t.getName().equals("sampling_param_temperature")).findFirst().orElseThrow();
        assertEquals("FP32", temperature.getDatatype());
        assertTrue(m.getOutputsList().stream().anyMatch(t -> t.getName().equals("finish_reason")));

        ModelConfig config = client.blocking.modelConfig(ModelConfigRequest.newBuilder().setName("tensorrt_llm").build()).getConfig();
        assertTrue(config.getModelTransactionPolicy().getDecoupled(), "model.yaml's triton_config.decoupled applies");
        assertEquals(0, config.getMaxBatchSize());
        assertEquals("python", config.getBackend());
    }

    @Test
    void metadataOfEnsembleCarriesLeadingBatchDimension() {
        ModelMetadataResponse m = client.blocking.modelMetadata(ModelMetadataRequest.newBuilder().setName("ensemble").build());
        assertEquals("ensemble", m.getPlatform());
        var maxTokens = m.getInputsList().stream().filter(t -> t.getName().equals("max_tokens")).findFirst().orElseThrow();
        assertEquals("INT32", maxTokens.getDatatype());
        assertEquals(List.of(-1L, 1L), maxTokens.getShapeList());
        ModelConfig config = client.blocking.modelConfig(ModelConfigRequest.newBuilder().setName("ensemble").build()).getConfig();
        assertEquals(64, config.getMaxBatchSize());
        assertEquals(3, config.getEnsembleScheduling().getStepCount());
        assertTrue(config.getModelTransactionPolicy().getDecoupled());
    }

    @Test
    void unknownModelMetadataIsRefusedWithTritonsWording() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> client.blocking.modelMetadata(ModelMetadataRequest.newBuilder().setName("nope").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("Request for unknown model: 'nope' is not found", e.getStatus().getDescription());
    }

    @Test
    void modelInferRefusesDecoupledModel() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> client.blocking.modelInfer(llmapi("1", "hi", false, 8, 0).build()));
        assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("decoupled transaction policy"));
    }

    @Test
    void streamedLlmapiTextGrowsAndEndsWithFinalFlagAndFinishReason() throws Exception {
        var s = client.open().send(llmapi("r1", "Tell me about rivers. [standin:length=30]", true, 100, 7).build());
        List<ModelStreamInferResponse> rs = s.untilFinal();
        assertTrue(rs.size() >= 10, "about two tokens per response, got " + rs.size());
        String previous = "";
        for (ModelStreamInferResponse r : rs) {
            assertEquals("r1", r.getInferResponse().getId());
            assertTrue(r.getInferResponse().getParametersMap().containsKey("standin_send_time_ns"));
            String t = text(r, "text_output");
            assertTrue(t.startsWith(previous), "cumulative text only grows");
            previous = t;
        }
        ModelStreamInferResponse last = rs.get(rs.size() - 1);
        assertTrue(isFinal(last));
        assertEquals("stop", text(last, "finish_reason"));
        assertTrue(previous.endsWith("."));
        rs.subList(0, rs.size() - 1).forEach(r -> assertFalse(isFinal(r)));
        s.requests.onCompleted();
        assertEquals(Status.Code.OK, s.status.get(2, TimeUnit.SECONDS).getCode());
        await().atMost(Duration.ofSeconds(1)).until(() -> standIn.counters().finished() == 1);
        assertEquals(0, standIn.counters().inFlight());
    }

    @Test
    void nonStreamingAnswersOnceWithTheWholeText() throws Exception {
        var s = client.open().send(llmapi("r1", "hello [standin:length=20]", false, 100, 1).build());
        ModelStreamInferResponse only = s.next();
        assertTrue(isFinal(only));
        assertEquals(20, text(only, "text_output").split("(?= )|(?=[,.!])").length, text(only, "text_output"));
    }

    @Test
    void emptyFinalResponseFollowsTheLastDataResponseWhenEnabled() throws Exception {
        var s = client.open().send(llmapi("r1", "hello [standin:length=6]", true, 100, 1).emptyFinal().build());
        List<ModelStreamInferResponse> rs = s.untilFinal();
        ModelStreamInferResponse empty = rs.get(rs.size() - 1);
        ModelStreamInferResponse lastData = rs.get(rs.size() - 2);
        assertEquals(0, empty.getInferResponse().getOutputsCount());
        assertFalse(isFinal(lastData));
        assertEquals("stop", text(lastData, "finish_reason"));
    }

    @Test
    void samePromptAndSeedGiveTheSameTextAndAnotherSeedDiffers() throws Exception {
        String a = finalText(llmapi("a", "Write a poem.", false, 200, 42).build());
        String b = finalText(llmapi("b", "Write a poem.", false, 200, 42).build());
        String c = finalText(llmapi("c", "Write a poem.", false, 200, 43).build());
        assertEquals(a, b);
        assertNotEquals(a, c);
    }

    @Test
    void maxTokensEndsWithLength() throws Exception {
        var s = client.open().send(llmapi("r", "hello [standin:length=100]", true, 9, 0).build());
        List<ModelStreamInferResponse> rs = s.untilFinal();
        ModelStreamInferResponse last = rs.get(rs.size() - 1);
        assertEquals("length", text(last, "finish_reason"));
        assertEquals(9, text(last, "text_output").split("(?= )|(?=[,.!])").length);
    }

    @Test
    void defaultMaxTokensIsTheLlmapiModels32() throws Exception {
        var req = new TritonClient.Request("tensorrt_llm", "d").string("text_input", ONE, "hi [standin:length=100]")
                .bool("return_finish_reason", ONE, true).build();
        var s = client.open().send(req);
        ModelStreamInferResponse r = s.next();
        assertEquals("length", text(r, "finish_reason"));
    }

    @Test
    void matchedStopStringIsTrimmedFromTheFinalText() throws Exception {
        var req = llmapi("s", "say this:\none two three four five six seven eight [standin:echo]", true, 50, 0)
                .string("sampling_param_stop", List.of(1L), "five six").build();
        List<ModelStreamInferResponse> rs = client.open().send(req).untilFinal();
        ModelStreamInferResponse last = rs.get(rs.size() - 1);
        assertEquals("one two three four ", text(last, "text_output"));
        assertEquals("stop", text(last, "finish_reason"));
        String beforeLast = text(rs.get(rs.size() - 2), "text_output");
        assertTrue(beforeLast.length() > text(last, "text_output").length(),
                "the engine streamed part of the stop string, then trimmed: " + beforeLast);
    }

    @Test
    void ensembleDeltasSplitUtf8CharactersButConcatenateToValidUtf8() throws Exception {
        var s = client.open().send(ensemble("u", "Say it in many scripts [standin:utf8] [standin:length=120]", true, 200).build());
        List<ModelStreamInferResponse> rs = s.untilFinal();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        boolean anySplit = false;
        for (ModelStreamInferResponse r : rs) {
            byte[] delta = TritonClient.bytesOutput(r, "text_output");
            all.writeBytes(delta);
            anySplit |= !validUtf8(delta);
        }
        assertTrue(anySplit, "some delta ends inside a multi-byte character");
        assertTrue(validUtf8(all.toByteArray()));
        ModelStreamInferResponse last = rs.get(rs.size() - 1);
        assertEquals(120, TritonClient.int32(last, "num_output_tokens"));
        assertTrue(TritonClient.int32(last, "num_input_tokens") > 0);
        assertTrue(isFinal(last));
    }

    @Test
    void llmapiFffdDirectiveShowsReplacementCharacterThatTheNextResponseCompletes() throws Exception {
        var s = client.open().send(llmapi("f", "x [standin:fffd] [standin:length=120]", true, 200, 3).build());
        List<ModelStreamInferResponse> rs = s.untilFinal();
        assertTrue(rs.stream().anyMatch(r -> text(r, "text_output").endsWith("\uFFFD")));
        assertFalse(text(rs.get(rs.size() - 1), "text_output").contains("\uFFFD"));
    }

    @Test
    void invalidRequestsGetTritonStyleErrorMessagesAndTheStreamStaysOpen() throws Exception {
        var s = client.open();
        s.send(new TritonClient.Request("nope", "1").string("text_input", ONE, "x").build());
        assertEquals("Request for unknown model: 'nope' is not found", s.next().getErrorMessage());

        s.send(new TritonClient.Request("tensorrt_llm", "2").bool("streaming", ONE, true).build());
        ModelStreamInferResponse missing = s.next();
        assertTrue(missing.getErrorMessage().contains("missing required input(s) ['text_input']"), missing.getErrorMessage());
        assertEquals("2", missing.getInferResponse().getId());
        assertFalse(isFinal(missing));

        s.send(new TritonClient.Request("tensorrt_llm", "3").string("text_input", ONE, "x").int32("streaming", ONE, 1).build());
        assertTrue(s.next().getErrorMessage().contains("data-type is 'INT32', but model 'tensorrt_llm' expects 'BOOL'"));

        s.send(new TritonClient.Request("ensemble", "4").string("text_input", TritonClient.ONE_ONE, "x").build());
        assertTrue(s.next().getErrorMessage().contains("missing required input(s) ['max_tokens']"));

        s.send(new TritonClient.Request("tensorrt_llm", "5").string("text_input", ONE, "x").bool("bogus", ONE, true).build());
        assertTrue(s.next().getErrorMessage().contains("unexpected inference input 'bogus'"));

        s.send(new TritonClient.Request("ensemble", "6").string("text_input", ONE, "x").int32("max_tokens", ONE, 3).build());
        assertTrue(s.next().getErrorMessage().contains("unexpected shape for input 'text_input'"));

        s.send(llmapi("7", "x", false, 3, 0).param("triton_secret",
                inference.GrpcService.InferParameter.newBuilder().setBoolParam(true).build()).build());
        assertTrue(s.next().getErrorMessage().contains("'triton_secret'"));

        ModelInferRequest mixed = llmapi("8", "x", false, 3, 0).build().toBuilder()
                .setInputs(0, llmapi("8", "x", false, 3, 0).build().getInputs(0).toBuilder()
                        .setContents(inference.GrpcService.InferTensorContents.newBuilder()
                                .addBytesContents(com.google.protobuf.ByteString.copyFromUtf8("x"))))
                .build();
        s.send(mixed);
        assertTrue(s.next().getErrorMessage().contains("contents field must not be specified"));

        // Still open: a valid request on the same call works.
        s.send(llmapi("ok", "x [standin:length=4]", false, 10, 0).build());
        assertEquals("ok", s.next().getInferResponse().getId());
        assertEquals(8, standIn.counters().rejected());
        assertEquals(0, standIn.counters().started() - 1);
    }

    @Test
    void typedContentsAreAcceptedAsWellAsRawOnes() throws Exception {
        var in = inference.GrpcService.ModelInferRequest.InferInputTensor.newBuilder();
        ModelInferRequest req = ModelInferRequest.newBuilder().setModelName("tensorrt_llm").setId("t")
                .addInputs(in.clone().setName("text_input").setDatatype("BYTES").addShape(1)
                        .setContents(inference.GrpcService.InferTensorContents.newBuilder()
                                .addBytesContents(com.google.protobuf.ByteString.copyFromUtf8("hi [standin:length=5]"))))
                .addInputs(in.clone().setName("sampling_param_max_tokens").setDatatype("INT32").addShape(1)
                        .setContents(inference.GrpcService.InferTensorContents.newBuilder().addIntContents(3)))
                .build();
        ModelStreamInferResponse r = client.open().send(req).next();
        assertTrue(isFinal(r), r.getErrorMessage());
        assertEquals(3, text(r, "text_output").split("(?= )|(?=[,.!])").length);
    }

    @Test
    void clientCancelStopsTheGenerationAndFreesTheSlot() throws Exception {
        var s = client.open().send(llmapi("c", "slow [standin:itl_ms=50] [standin:length=500]", true, 1000, 0).build());
        s.next();
        assertEquals(1, standIn.counters().inFlight());
        s.requests.cancel("user pressed stop", null);
        await().atMost(Duration.ofSeconds(1)).until(() -> standIn.counters().cancelled() == 1);
        await().atMost(Duration.ofSeconds(1)).until(() -> standIn.counters().inFlight() == 0);
        assertEquals(0, standIn.counters().finished());
    }

    @Test
    void stopInputWithTheSameIdCancelsTheGeneration() throws Exception {
        var s = client.open().send(llmapi("job", "slow [standin:itl_ms=50] [standin:length=500]", true, 1000, 0).build());
        s.next();
        s.send(new TritonClient.Request("tensorrt_llm", "job").string("text_input", ONE, "").bool("stop", ONE, true).build());
        List<ModelStreamInferResponse> rest = s.untilFinal();
        assertEquals("cancelled", text(rest.get(rest.size() - 1), "finish_reason"));
        await().atMost(Duration.ofSeconds(1)).until(() -> standIn.counters().cancelled() == 1);
        assertEquals(0, standIn.counters().inFlight());
    }

    @Test
    void readinessFollowsTheFaultKnob() {
        assertTrue(client.blocking.serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
        assertTrue(client.blocking.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
        standIn.faults().ready(false);
        assertFalse(client.blocking.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
        assertFalse(client.blocking.modelReady(ModelReadyRequest.newBuilder().setName("tensorrt_llm").build()).getReady());
        standIn.faults().ready(true);
        assertTrue(client.blocking.modelReady(ModelReadyRequest.newBuilder().setName("tensorrt_llm").build()).getReady());
        assertFalse(client.blocking.modelReady(ModelReadyRequest.newBuilder().setName("nope").build()).getReady());
    }

    @Test
    void standardHealthCheckFollowsReadiness() {
        byte[] serving = io.grpc.stub.ClientCalls.blockingUnaryCall(client.channel, HealthService.CHECK,
                io.grpc.CallOptions.DEFAULT, new byte[0]);
        assertArrayEquals(new byte[] {0x08, 1}, serving);
        standIn.faults().ready(false);
        byte[] request = {0x0A, 30};
        byte[] name = "inference.GRPCInferenceService".getBytes(StandardCharsets.UTF_8);
        byte[] full = new byte[2 + name.length];
        System.arraycopy(request, 0, full, 0, 2);
        System.arraycopy(name, 0, full, 2, name.length);
        byte[] notServing = io.grpc.stub.ClientCalls.blockingUnaryCall(client.channel, HealthService.CHECK,
                io.grpc.CallOptions.DEFAULT, full);
        assertArrayEquals(new byte[] {0x08, 2}, notServing);
    }

    @Test
    void failFractionOneFailsEveryRequestWithAnErrorMessage() throws Exception {
        standIn.faults().failFraction(1.0);
        var s = client.open().send(llmapi("f", "hi", true, 10, 0).build());
        ModelStreamInferResponse r = s.next();
        assertFalse(r.getErrorMessage().isEmpty());
        assertEquals("f", r.getInferResponse().getId());
        assertEquals(1, standIn.counters().failed());
    }

    @Test
    void cutAfterResponsesAbortsTheCallWithUnavailable() throws Exception {
        standIn.faults().cutAfterResponses(3);
        var s = client.open().send(llmapi("x", "hi [standin:length=100]", true, 100, 0).build());
        Status status = s.status.get(3, TimeUnit.SECONDS);
        assertEquals(Status.Code.UNAVAILABLE, status.getCode());
        assertEquals(3, s.responses.size());
        await().atMost(Duration.ofSeconds(1)).until(() -> standIn.counters().failed() == 1 && standIn.counters().inFlight() == 0);
    }

    @Test
    void cutAtDirectiveAbortsAfterNTokens() throws Exception {
        var s = client.open().send(llmapi("x", "hi [standin:cut_at=5] [standin:length=100]", true, 100, 0).build());
        assertEquals(Status.Code.UNAVAILABLE, s.status.get(3, TimeUnit.SECONDS).getCode());
        String lastText = "";
        for (ModelStreamInferResponse r : s.responses) {
            lastText = text(r, "text_output");
        }
        assertEquals(5, lastText.split("(?= )|(?=[,.!])").length, lastText);
    }

    @Test
    void errorAtDirectiveSendsErrorMessageAfterNTokens() throws Exception {
        var s = client.open().send(llmapi("e", "hi [standin:error_at=4] [standin:length=100]", true, 100, 0).build());
        List<ModelStreamInferResponse> rs = s.untilFinal();
        ModelStreamInferResponse last = rs.get(rs.size() - 1);
        assertFalse(last.getErrorMessage().isEmpty());
        assertEquals("e", last.getInferResponse().getId());
        assertEquals(4, text(rs.get(rs.size() - 2), "text_output").split("(?= )|(?=[,.!])").length);
        s.requests.onCompleted();
        assertEquals(Status.Code.OK, s.status.get(2, TimeUnit.SECONDS).getCode());
        assertEquals(1, standIn.counters().failed());
    }

    @Test
    void requestsBeyondTheSlotsQueueUntilASlotFrees() throws Exception {
        try (TritonStandIn small = TritonStandIn.builder().timing(Timing.fast().withSlots(2)).build().start();
                TritonClient c = new TritonClient(small.port())) {
            var a = c.open().send(llmapi("a", "a [standin:itl_ms=20] [standin:length=20]", true, 100, 0).build());
            var b = c.open().send(llmapi("b", "b [standin:itl_ms=20] [standin:length=400]", true, 1000, 0).build());
            await().atMost(Duration.ofSeconds(1)).until(() -> small.counters().inFlight() == 2);
            var third = c.open().send(llmapi("c", "c [standin:length=4]", false, 100, 0).build());
            await().atMost(Duration.ofSeconds(1)).until(() -> small.counters().queued() == 1);
            assertNull(third.responses.poll(), "waits while both slots are busy");
            a.untilFinal();
            ModelStreamInferResponse r = third.next();
            assertEquals("c", r.getInferResponse().getId());
            assertTrue(isFinal(r));
            assertTrue(small.counters().inFlight() <= 2);
            b.requests.cancel("done", null);
            await().atMost(Duration.ofSeconds(1)).until(() -> small.counters().inFlight() == 0 && small.counters().queued() == 0);
        }
    }

    @Test
    void severalRequestsOnOneCallAreDemultiplexedById() throws Exception {
        var s = client.open();
        s.send(llmapi("one", "first [standin:length=10]", true, 100, 0).build());
        s.send(llmapi("two", "second [standin:length=12]", true, 100, 0).build());
        s.requests.onCompleted();
        assertEquals(Status.Code.OK, s.status.get(3, TimeUnit.SECONDS).getCode());
        long finals = s.responses.stream().filter(TritonClient::isFinal).map(r -> r.getInferResponse().getId()).distinct().count();
        assertEquals(2, finals);
    }

    @Test
    void promptStartingWithBosIsCountedAsDoubledBos() throws Exception {
        client.open().send(llmapi("b", "<|begin_of_text|>hello [standin:length=3]", false, 10, 0).build()).next();
        assertEquals(1, standIn.counters().doubledBos());
        standIn.counters().reset();
        assertEquals(0, standIn.counters().doubledBos());
    }

    private String finalText(ModelInferRequest request) throws Exception {
        List<ModelStreamInferResponse> rs = client.open().send(request).untilFinal();
        return text(rs.get(rs.size() - 1), "text_output");
    }

    private static boolean validUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
