package org.maverick.benchmark.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.maverick.standin.Timing;
import org.maverick.standin.TritonStandIn;

/** A few seconds of real load against an in-process stand-in's OpenAI endpoint. */
class LoadGeneratorSmokeTest {

    @Test
    void concurrencyRunAgainstTheStandInMeasuresEveryMetric() throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        try (TritonStandIn standIn = TritonStandIn.builder().port(0).openAiPort(0).timing(Timing.fast()).build().start()) {
            LoadConfig config = LoadConfig.builder("http://127.0.0.1:" + standIn.openAiPort() + "/v1/chat/completions")
                    .name("smoke").concurrency(8).warmup(Duration.ofMillis(500)).duration(Duration.ofSeconds(2))
                    .inputTokens(32).outputTokens(20).progress(false).build();
            int[] windows = new int[2];
            LoadGenerator.Result r = new LoadGenerator(config, vertx, new LoadGenerator.Listener() {
                @Override
                public void windowStarted() {
                    windows[0]++;
                }

                @Override
                public void windowEnded() {
                    windows[1]++;
                }
            }).run();
            Metrics.Summary s = r.summary();
            assertEquals(0, s.errors(), s.errorSamples().toString());
            assertTrue(s.completed() > 20, "completed " + s.completed());
            assertEquals(20.0, s.outputTokensPerRequest().p50(), "markers stripped, 20 word pieces per answer");
            assertTrue(s.ttftMs().p50() > 0.5 && s.itlMs().p50() > 0 && s.e2eMs().p50() > s.ttftMs().p50());
            assertTrue(s.stampLatencyMs().count() >= s.completed() * 10L, "one marker per response");
            assertTrue(s.stampLatencyMs().p50() >= 0 && s.stampLatencyMs().p50() < 100);
            assertTrue(s.outputTokensPerSecond() > 0 && s.requestsPerSecond() > 0);
            assertEquals(8, r.maxOpenStreams());
            assertEquals(1, windows[0]);
            assertEquals(1, windows[1]);
            assertEquals(0, standIn.counters().inFlight());
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    @Test
    void errorsAreCountedWithTheirMessages() throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        try (TritonStandIn standIn = TritonStandIn.builder().port(0).openAiPort(0).timing(Timing.fast()).build().start()) {
            LoadConfig config = LoadConfig.builder("http://127.0.0.1:" + standIn.openAiPort() + "/v1/chat/completions")
                    .name("errors").rate(50).warmup(Duration.ZERO).duration(Duration.ofSeconds(1))
                    .outputTokens(20).directive("error_at=3").progress(false).build();
            Metrics.Summary s = new LoadGenerator(config, vertx, new LoadGenerator.Listener() { }).run().summary();
            assertEquals(0, s.completed());
            assertTrue(s.errors() >= 30, "errors " + s.errors());
            assertTrue(s.errorSamples().get(0).startsWith("error event: backend_error"), s.errorSamples().toString());
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }
}
