package org.maverick.gateway.prompt;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Stop-string and UTF-8 handling of a whole streamed answer of {@value #RESPONSES} responses (two
 * tokens each, as the stand-in and TensorRT-LLM with stream interval 2 send them), reported per
 * response: the llmapi model's cumulative texts and the ensemble's UTF-8 deltas, with no stop
 * strings or with four (OpenAI's maximum).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class TextAssemblerBenchmark {

    static final int RESPONSES = 128;

    @Param({"0", "4"})
    int stops;

    List<String> cumulative = new ArrayList<>();
    List<byte[]> cumulativeBytes = new ArrayList<>();
    List<byte[]> deltas = new ArrayList<>();
    StopStrings stopStrings;

    @Setup
    public void setup() {
        String[] words = {" river", " stone", " café", " 東京", ",", " light", " 🚀", " morning", "."};
        StringBuilder text = new StringBuilder("The");
        for (int i = 0; i < RESPONSES; i++) {
            int before = text.length();
            text.append(words[i % words.length]).append(words[(i * 7 + 3) % words.length]);
            cumulative.add(text.toString());
            cumulativeBytes.add(text.toString().getBytes(StandardCharsets.UTF_8));
            deltas.add(text.substring(before).getBytes(StandardCharsets.UTF_8));
        }
        stopStrings = stops == 0 ? StopStrings.none() : StopStrings.of("</answer>", "\nUser:", "STOP", "###");
    }

    @Benchmark
    @OperationsPerInvocation(RESPONSES)
    public void cumulativeText(Blackhole bh) {
        TextAssembler a = TextAssembler.cumulative(stopStrings);
        for (String t : cumulative) {
            bh.consume(a.acceptCumulative(t));
        }
        bh.consume(a.finish());
    }

    /** The llmapi model's {@code text_output} bytes, decoded whole at each response (the gateway before). */
    @Benchmark
    @OperationsPerInvocation(RESPONSES)
    public void cumulativeBytesDecodedWhole(Blackhole bh) {
        TextAssembler a = TextAssembler.cumulative(stopStrings);
        for (byte[] t : cumulativeBytes) {
            bh.consume(a.acceptCumulative(new String(t, StandardCharsets.UTF_8)));
        }
        bh.consume(a.finish());
    }

    /** The same bytes taken as bytes: only what follows the last shared character is decoded. */
    @Benchmark
    @OperationsPerInvocation(RESPONSES)
    public void cumulativeBytes(Blackhole bh) {
        TextAssembler a = TextAssembler.cumulative(stopStrings);
        for (byte[] t : cumulativeBytes) {
            bh.consume(a.acceptCumulative(t));
        }
        bh.consume(a.finish());
    }

    @Benchmark
    @OperationsPerInvocation(RESPONSES)
    public void utf8Deltas(Blackhole bh) {
        TextAssembler a = TextAssembler.deltaBytes(stopStrings);
        for (byte[] d : deltas) {
            bh.consume(a.acceptDelta(d));
        }
        bh.consume(a.finish());
    }
}
