package org.maverick.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.vertx.core.buffer.Buffer;
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
 * Rendering one token's SSE event ({@link ChunkEncoder#token}) and the write that follows it:
 * {@code HttpServerResponse.write(String)} encodes the string to UTF-8 into a buffer
 * ({@code Buffer.buffer(String)}) before Netty sends it; the pooled-direct variant shows what an
 * encoder writing straight into Netty's allocator would cost.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ChunkEncoderBenchmark {

    @Param({"plain", "escaped"})
    String text;

    ChunkEncoder encoder;
    String delta;

    @Setup
    public void setup() {
        encoder = new ChunkEncoder("chatcmpl-0123456789abcdef0123456789abcdef", true, 1_767_225_600L,
                "llama-4-maverick", new ObjectMapper());
        delta = text.equals("plain") ? " river stone" : " \"quoted\"\n\tcafé";
    }

    @Benchmark
    public String encodeToken() {
        return encoder.token(delta);
    }

    @Benchmark
    public Buffer sseWriteVertxBuffer() {
        return Buffer.buffer(encoder.token(delta));
    }

    @Benchmark
    public int sseWritePooledDirect() {
        ByteBuf buf = ByteBufUtil.writeUtf8(ByteBufAllocator.DEFAULT, encoder.token(delta));
        int n = buf.readableBytes();
        buf.release();
        return n;
    }
}
