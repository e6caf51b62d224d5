package org.maverick.gateway.backend.triton;

import com.google.protobuf.ByteString;
import inference.GrpcService.InferParameter;
import inference.GrpcService.ModelInferResponse;
import inference.GrpcService.ModelStreamInferResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decoding one streamed Triton response, as the gateway does per response: the protobuf parse
 * (gRPC's marshaller) plus {@link TritonResponses} reading the final flag and {@code text_output}.
 * {@code textChars} is the llmapi model's cumulative text length at that point of the answer.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class TritonResponsesBenchmark {

    @Param({"64", "1024"})
    int textChars;

    byte[] wire;
    ModelInferResponse parsed;

    @Setup
    public void setup() {
        String text = "The river keeps the quiet stone under morning light, ".repeat(textChars / 50 + 1).substring(0, textChars);
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer raw = ByteBuffer.allocate(4 + utf8.length).order(ByteOrder.LITTLE_ENDIAN).putInt(utf8.length).put(utf8);
        ModelInferResponse r = ModelInferResponse.newBuilder().setModelName("tensorrt_llm").setModelVersion("1")
                .setId("chatcmpl-0123456789abcdef")
                .putParameters("triton_final_response", InferParameter.newBuilder().setBoolParam(false).build())
                .putParameters("standin_send_time_ns", InferParameter.newBuilder().setInt64Param(System.nanoTime()).build())
                .addOutputs(ModelInferResponse.InferOutputTensor.newBuilder().setName("text_output").setDatatype("BYTES")
                        .addShape(1))
                .addRawOutputContents(ByteString.copyFrom(raw.array()))
                .build();
        wire = ModelStreamInferResponse.newBuilder().setInferResponse(r).build().toByteArray();
        parsed = r;
    }

    @Benchmark
    public String readTextAndFinalFlag() {
        return TritonResponses.isFinal(parsed) ? "" : TritonResponses.firstString(parsed, "text_output").orElse("");
    }

    @Benchmark
    public String parseWireThenRead() throws Exception {
        ModelInferResponse r = ModelStreamInferResponse.parseFrom(wire).getInferResponse();
        return TritonResponses.isFinal(r) ? "" : TritonResponses.firstString(r, "text_output").orElse("");
    }
}
