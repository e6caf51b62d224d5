package org.maverick.gateway.telemetry;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import org.maverick.gateway.generation.FinishReason;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.GenerationEvent;
import org.maverick.gateway.generation.Usage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * What telemetry costs per token and per request. Per token the gateway only looks at the event
 * ({@link GenerationTrace#onEvent}): no metric object, no lock. Per request it records the metrics,
 * ends the span and writes the access-log line ({@link #wholeRequestEnd}); that is paid once, not
 * per token.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class InstrumentationBenchmark {

    GatewayMetrics metrics;
    Generation generation;
    GenerationTrace trace;
    GenerationEvent.Token token;
    GenerationEvent.Finished finished;

    @Setup
    public void setup() {
        metrics = new GatewayMetrics(new SimpleMeterRegistry());
        generation = new Generation("chatcmpl-bench", "llama-4-maverick", Generation.Kind.CHAT, "p", 100, true,
                new Generation.Sampling(256, 0.6, 0.9, 0, 0, OptionalLong.empty()), List.of(), true, false, 0,
                Generation.Dispatch.DIRECT, "anonymous");
        trace = new GenerationTrace(generation, "chat", "direct", Span.getInvalid(), Context.root(), metrics,
                System.nanoTime());
        token = new GenerationEvent.Token(" river stone");
        finished = new GenerationEvent.Finished(FinishReason.STOP, new Usage(100, 128, true));
        trace.onEvent(token); // the first token's instant is taken once; later tokens are the steady state
    }

    /** The per-token hook, in the steady state (after the first token). */
    @Benchmark
    public void perTokenHook() {
        trace.onEvent(token);
    }

    /** Once per request: metrics, span attributes and end, access-log line (logging to a disabled logger). */
    @Benchmark
    public void wholeRequestEnd() {
        GenerationTrace t = new GenerationTrace(generation, "chat", "direct", Span.getInvalid(), Context.root(),
                metrics, System.nanoTime());
        t.onEvent(token);
        t.onEvent(finished);
        t.onCompletion();
    }
}
