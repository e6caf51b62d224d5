package org.maverick.benchmark.load;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/** {@code maverick-benchmark.jar load --url URL [options]}: one load run, a table on stdout, optionally JSON. */
public final class LoadMain {

    static final String HELP = """
            load: drive an OpenAI-compatible streaming endpoint (SSE) or the gateway's WebSocket.
              --url URL              http://host:port/v1/chat/completions, or ws://host:port/v1/realtime/chat
              --concurrency N        keep N requests in flight (default 16)
              --request-rate R       send R requests/s instead (constant spacing; --poisson for Poisson arrivals)
              --max-in-flight N      rate mode: skip sends while N are in flight (default unbounded)
              --input-tokens N       prompt length, about 4 characters per token (default 256)
              --history-tokens N     send a long chat: a multi-turn history of about N prompt tokens before the
                                     request's own message of --input-tokens (default 0: one user message)
              --output-tokens N      [standin:length=N] and max_tokens (default 128)
              --warmup S             seconds run but not measured (default 5)
              --duration S           seconds measured (default 20)
              --ramp-up S            concurrency mode: start workers over S seconds (default 0)
              --drain-timeout S      after the window, wait S seconds for in-flight requests (default 60)
              --cancel-at-end        cancel in-flight requests when the window ends (long streams)
              --no-stamp             do not add [standin:stamp] (stamp latencies need it)
              --directive D          extra stand-in directive, e.g. itl_ms=2000 (repeatable)
              --header K:V           extra request header, e.g. x-maverick-mode:queued (repeatable)
              --model M              model name (default llama-4-maverick)
              --token-count C        words (default; exact for the stand-in), usage, or chunks
              --client-threads N     client event loops (default 2)
              --name NAME            label of the run
              --json FILE            also write the results as JSON
              --quiet                no progress line""";

    private LoadMain() {
    }

    public static void main(String[] args) throws Exception {
        LoadConfig.Builder b = LoadConfig.builder("http://127.0.0.1:8080/v1/chat/completions");
        Path json = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--url" -> {
                    String url = args[++i];
                    b.url(url);
                    if (url.startsWith("ws")) {
                        b.transport(LoadConfig.Transport.WEBSOCKET);
                    }
                }
                case "--concurrency" -> b.concurrency(Integer.parseInt(args[++i]));
                case "--request-rate" -> b.rate(Double.parseDouble(args[++i]));
                case "--poisson" -> b.poisson(true);
                case "--max-in-flight" -> b.maxInFlight(Integer.parseInt(args[++i]));
                case "--input-tokens" -> b.inputTokens(Integer.parseInt(args[++i]));
                case "--history-tokens" -> b.historyTokens(Integer.parseInt(args[++i]));
                case "--output-tokens" -> b.outputTokens(Integer.parseInt(args[++i]));
                case "--warmup" -> b.warmup(seconds(args[++i]));
                case "--duration" -> b.duration(seconds(args[++i]));
                case "--ramp-up" -> b.rampUp(seconds(args[++i]));
                case "--drain-timeout" -> b.drainTimeout(seconds(args[++i]));
                case "--cancel-at-end" -> b.cancelAtEnd(true);
                case "--no-stamp" -> b.stamp(false);
                case "--directive" -> b.directive(args[++i]);
                case "--header" -> {
                    String h = args[++i];
                    int colon = h.indexOf(':');
                    b.header(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
                }
                case "--model" -> b.model(args[++i]);
                case "--token-count" -> b.tokenCount(RequestRecord.TokenCount.valueOf(args[++i].toUpperCase(Locale.ROOT)));
                case "--client-threads" -> b.clientThreads(Integer.parseInt(args[++i]));
                case "--name" -> b.name(args[++i]);
                case "--json" -> json = Path.of(args[++i]);
                case "--quiet" -> b.progress(false);
                case "-h", "--help" -> {
                    System.out.println(HELP);
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + a + " (try --help)");
            }
        }
        LoadConfig config = b.build();
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(config.clientThreads()));
        try {
            LoadGenerator.Result result = new LoadGenerator(config, vertx, new LoadGenerator.Listener() { }).run();
            System.out.println(Report.table(config.name() + " — " + config.url(), result.summary()));
            if (json != null) {
                Files.writeString(json, ChunkReader.JSON.writerWithDefaultPrettyPrinter()
                        .writeValueAsString(Report.json(result)));
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    static Duration seconds(String s) {
        return Duration.ofMillis((long) (Double.parseDouble(s) * 1000));
    }
}
