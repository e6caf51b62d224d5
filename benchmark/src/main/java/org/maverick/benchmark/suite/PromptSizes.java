package org.maverick.benchmark.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.maverick.benchmark.load.LoadConfig;
import org.maverick.benchmark.load.LoadGenerator;
import org.maverick.benchmark.load.Report;

/**
 * The prompt-size scenario: what a long chat costs on its way in, and whether it holds up other streams.
 *
 * <ol>
 *   <li><b>TTFT by prompt size.</b> For each size (default 1K, 32K, 120K prompt tokens), long chats (a
 *   multi-turn {@link org.maverick.benchmark.load.ChatHistory}, not one giant string) at a steady rate against each
 *   target of the run (nginx, the gateway in direct mode, the baseline gateway), with the same chats sent to the
 *   direct path at the same rate at the same time. "Added TTFT" is a target's TTFT percentile minus that of the
 *   direct path beside it; the stand-in's own TTFT grows with the prompt (50 ms + 0.02 ms a token), so the
 *   difference is the way in: body, JSON parse, template, token counting, the gRPC send. The hop's CPU per request
 *   is read from /proc; a gateway's event-loop and worker CPU per request from the scheduler's per-thread
 *   nanoseconds, above what those threads use idle.</li>
 *   <li><b>Other streams while big prompts arrive.</b> The run's ordinary streams (256 by default, each a short
 *   prompt) against the gateway, once alone and once while prompts of the largest size arrive at a steady,
 *   bounded rate, sent from a client event loop of their own (so the client's own writing of a big body
 *   delays none of the measured streams). The figure is the ordinary streams' engine→client time per response
 *   (p50/p99/max), with big prompts minus without: a big prompt's work on an event loop shows up there.</li>
 * </ol>
 */
final class PromptSizes {

    static final String HELP = """
              --no-prompt-sizes      skip the prompt-size scenario
              --prompt-sizes LIST    prompt sizes in tokens, comma-separated (default 1000,32000,120000)
              --prompt-rate R        long chats per second in the TTFT part, per size and target (default 3)
              --prompt-duration S    measured seconds per size and target (default 6; 2 s unmeasured before)
              --prompt-background-rate R  prompts of the largest size per second while the ordinary streams run
                                     (default 2; 0 skips that part)
              --prompt-background-duration S  measured seconds of the ordinary streams, without and with, in each of
                                     two rounds (default 8)""";

    /** Answer length of the long chats: a long history with a short answer. */
    static final int ANSWER_TOKENS = 16;
    /** The request's own last user message (with the stand-in's directives). */
    static final int LAST_MESSAGE_TOKENS = 32;

    boolean enabled = true;
    List<Integer> sizes = List.of(1000, 32000, 120000);
    double rate = 3;
    Duration duration = Duration.ofSeconds(6);
    Duration warmup = Duration.ofSeconds(2);
    double backgroundRate = 2;
    Duration backgroundDuration = Duration.ofSeconds(8);
    /** How long a gateway's threads are watched with no request, before the TTFT part. */
    static final Duration IDLE = Duration.ofSeconds(4);
    /** Rounds of (without, with) in the background part. */
    static final int ROUNDS = 2;
    Duration backgroundWarmup = Duration.ofSeconds(3);

    private final ObjectNode out;

    PromptSizes(ObjectNode report) {
        this.out = report.putObject("prompt_sizes");
    }

    /** Reads this scenario's option at {@code args[i]}; returns the index of its last argument, or -1 if not ours. */
    int option(String[] args, int i) {
        switch (args[i]) {
            case "--no-prompt-sizes" -> enabled = false;
            case "--prompt-sizes" -> sizes = parseSizes(args[++i]);
            case "--prompt-rate" -> rate = Double.parseDouble(args[++i]);
            case "--prompt-duration" -> duration = Suite.seconds(args[++i]);
            case "--prompt-background-rate" -> backgroundRate = Double.parseDouble(args[++i]);
            case "--prompt-background-duration" -> backgroundDuration = Suite.seconds(args[++i]);
            default -> {
                return -1;
            }
        }
        return i;
    }

    static List<Integer> parseSizes(String list) {
        List<Integer> sizes = new ArrayList<>();
        for (String s : list.split(",")) {
            int n = Integer.parseInt(s.trim().toLowerCase(Locale.ROOT).replace("k", "000"));
            if (n < LAST_MESSAGE_TOKENS + 16) {
                throw new IllegalArgumentException("--prompt-sizes: each size must be at least " + (LAST_MESSAGE_TOKENS + 16)
                        + " tokens, was " + n);
            }
            sizes.add(n);
        }
        if (sizes.isEmpty()) {
            throw new IllegalArgumentException("--prompt-sizes: no size given");
        }
        return List.copyOf(sizes);
    }

    void settings(ObjectNode settings) {
        ObjectNode s = settings.putObject("prompt_sizes");
        s.put("enabled", enabled);
        ArrayNode a = s.putArray("sizes_tokens");
        sizes.forEach(a::add);
        s.put("rate_per_s", rate);
        s.put("warmup_s", warmup.toMillis() / 1000.0);
        s.put("duration_s", duration.toMillis() / 1000.0);
        s.put("answer_tokens", ANSWER_TOKENS);
        s.put("background_rate_per_s", backgroundRate);
        s.put("background_duration_s", backgroundDuration.toMillis() / 1000.0);
    }

    /** The long chat of {@code size} prompt tokens (history plus the request's own message and the assistant header). */
    static LoadConfig.Builder chat(LoadConfig base, int size) {
        int history = size - LAST_MESSAGE_TOKENS - 2 * 5; // the last message's and the assistant header's template tokens
        return base.toBuilder().historyTokens(history).inputTokens(LAST_MESSAGE_TOKENS).outputTokens(ANSWER_TOKENS);
    }

    /**
     * Part 1 for one target: each size at {@link #rate} for {@link #duration}, after {@link #warmup} unmeasured,
     * with the same long chats sent to the direct path ({@code directUrl}) at the same rate at the same time, so
     * the "added" figure compares two measurements taken under the same load of this shared machine (a direct
     * path measured minutes earlier is not). {@code hop} (nullable) is the process whose CPU per request is read.
     */
    void ttft(Vertx vertx, String target, LoadConfig base, Suite.Hop hop, String directUrl) throws Exception {
        if (!enabled) {
            return;
        }
        ObjectNode byTarget = out.with("ttft").putObject(target);
        // What the gateway's threads use with no request at all (probes, metrics, the span exporter's retries, the
        // JIT): measured for a while first and taken off each window's figures, which are per request.
        Map<String, Long> idle = new java.util.TreeMap<>();
        if (!threadNanos(hop).isEmpty()) {
            Map<String, Long> before = threadNanos(hop);
            Thread.sleep(IDLE.toMillis());
            Map<String, Long> after = threadNanos(hop);
            after.forEach((group, nanos) -> idle.put(group, Math.max(0, nanos - before.getOrDefault(group, 0L))));
            ObjectNode i = byTarget.putObject("idle_thread_cpu_us_per_s");
            idle.forEach((group, nanos) -> {
                if (nanos > 0) {
                    i.put(group, Suite.round(nanos / 1000.0 / (IDLE.toMillis() / 1000.0)));
                }
            });
        }
        for (int size : sizes) {
            LoadConfig c = chat(base, size).name("prompt-" + label(size) + "-" + target).rate(rate).maxInFlight(256)
                    .warmup(warmup).duration(duration).rampUp(Duration.ZERO).drainTimeout(Duration.ofSeconds(30)).build();
            LoadConfig d = c.toBuilder().name("prompt-" + label(size) + "-direct-path-beside-" + target).url(directUrl)
                    .headers(Map.of()).progress(false).build();
            Suite.log("scenario " + c.name() + ": long chats of " + size + " tokens at " + rate + "/s, " + c.url()
                    + (c.headers().isEmpty() ? "" : " " + c.headers()) + ", and as many to the direct path at the same time");
            AtomicReference<LoadGenerator.Result> beside = new AtomicReference<>();
            AtomicReference<Throwable> besideFailure = new AtomicReference<>();
            Thread directThread = new Thread(() -> {
                try {
                    beside.set(new LoadGenerator(d, vertx, new LoadGenerator.Listener() { }).run());
                } catch (Throwable e) {
                    besideFailure.set(e);
                }
            }, "direct-path-beside");
            directThread.start();
            double[] cpu = new double[2];
            List<Map<String, Long>> threads = new ArrayList<>(List.of(Map.of(), Map.of()));
            LoadGenerator.Result r = new LoadGenerator(c, vertx, new LoadGenerator.Listener() {
                @Override
                public void windowStarted() {
                    cpu[0] = hop == null ? Double.NaN : hop.cpuSeconds();
                    threads.set(0, threadNanos(hop));
                }

                @Override
                public void windowEnded() {
                    cpu[1] = hop == null ? Double.NaN : hop.cpuSeconds();
                    threads.set(1, threadNanos(hop));
                }
            }).run();
            directThread.join(Duration.ofSeconds(90).toMillis());
            ObjectNode o = Report.json(r);
            o.put("prompt_tokens", size);
            o.put("body_bytes", bodyBytes(c));
            if (hop != null && r.summary().completed() > 0) {
                // CPU in the window over the requests sent in it (/proc's 10 ms ticks; idle work included)
                o.put("hop_cpu_ms_per_request", Suite.round((cpu[1] - cpu[0]) * 1000 / r.summary().completed()));
            }
            if (!threads.get(1).isEmpty() && r.summary().completed() > 0) {
                // the scheduler's nanoseconds per thread group over the window, per request sent in it
                ObjectNode t = o.putObject("thread_cpu_us_per_request");
                double windowShare = duration.toMillis() / (double) IDLE.toMillis();
                threads.get(1).forEach((group, nanos) -> {
                    long used = nanos - threads.get(0).getOrDefault(group, 0L);
                    if (used > 0) {
                        double overIdle = used - idle.getOrDefault(group, 0L) * windowShare;
                        t.put(group, Suite.round(overIdle / 1000.0 / r.summary().completed()));
                    }
                });
            }
            if (beside.get() != null) {
                o.set("direct_path_beside", Report.json(beside.get()));
            } else {
                o.put("direct_path_beside_failure", String.valueOf(besideFailure.get()));
            }
            byTarget.set(label(size), o);
        }
    }

    /** The gateway's CPU nanoseconds by thread group (empty for nginx or without a hop). */
    static Map<String, Long> threadNanos(Suite.Hop hop) {
        if (hop == null || hop.jvm() == null) {
            return Map.of();
        }
        try {
            return ProcStats.threadCpuNanos(hop.jvm().pid());
        } catch (java.io.IOException e) {
            return Map.of();
        }
    }

    static int bodyBytes(LoadConfig c) {
        String history = org.maverick.benchmark.load.ChatHistory.historyJson(c.historyTokens(), 19);
        return org.maverick.benchmark.load.ChatHistory.body(c.model(), c.outputTokens(), history, c.prompt(1))
                .getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    /**
     * Part 2 for one gateway: the ordinary streams alone, then the same with prompts of the largest size arriving
     * at {@link #backgroundRate} (the big prompts from a Vert.x instance of their own), twice over, so a drift of
     * this shared machine's load between two windows shows as a disagreement of the two rounds.
     */
    void background(Vertx vertx, String target, LoadConfig ordinary, Suite.Hop hop) throws Exception {
        if (!enabled || backgroundRate <= 0) {
            return;
        }
        int largest = sizes.stream().mapToInt(Integer::intValue).max().orElseThrow();
        ObjectNode o = out.with("background").putObject(target);
        o.put("big_prompt_tokens", largest);
        o.put("big_prompts_per_s", backgroundRate);
        o.put("streams", ordinary.concurrency());
        ArrayNode rounds = o.putArray("rounds");
        for (int round = 1; round <= ROUNDS; round++) {
            LoadConfig alone = ordinary.toBuilder().name("streams-" + target + "-" + round).warmup(backgroundWarmup)
                    .duration(backgroundDuration).build();
            LoadConfig with = alone.toBuilder().name("streams+" + label(largest) + "-" + target + "-" + round).build();
            LoadConfig big = chat(ordinary, largest).name("big-" + label(largest) + "-" + target + "-" + round)
                    .rate(backgroundRate).maxInFlight(64).warmup(backgroundWarmup).duration(backgroundDuration)
                    .rampUp(Duration.ZERO).drainTimeout(Duration.ofSeconds(30)).progress(false).build();
            ObjectNode r = rounds.addObject();
            r.set("without", backgroundRun(vertx, alone, null, hop));
            r.set("with", backgroundRun(vertx, with, big, hop));
        }
    }

    private ObjectNode backgroundRun(Vertx vertx, LoadConfig streams, LoadConfig big, Suite.Hop hop) throws Exception {
        Suite.log("scenario " + streams.name() + ": " + streams.concurrency() + " streams"
                + (big == null ? "" : " while " + big.historyTokens() + "-token chats arrive at " + big.rate() + "/s"));
        Vertx own = big == null ? null : Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        AtomicReference<LoadGenerator.Result> bigResult = new AtomicReference<>();
        AtomicReference<Throwable> bigFailure = new AtomicReference<>();
        Thread bigThread = null;
        try {
            if (big != null) {
                bigThread = new Thread(() -> {
                    try {
                        bigResult.set(new LoadGenerator(big, own, new LoadGenerator.Listener() { }).run());
                    } catch (Throwable e) {
                        bigFailure.set(e);
                    }
                }, "big-prompts");
                bigThread.start();
            }
            double[] cpu = new double[2];
            LoadGenerator.Result r = new LoadGenerator(streams, vertx, new LoadGenerator.Listener() {
                @Override
                public void windowStarted() {
                    cpu[0] = hop.cpuSeconds();
                }

                @Override
                public void windowEnded() {
                    cpu[1] = hop.cpuSeconds();
                }
            }).run();
            if (bigThread != null) {
                bigThread.join(Duration.ofSeconds(90).toMillis());
            }
            ObjectNode o = Report.json(r);
            o.put("hop_cpu_seconds_in_window", Suite.round(cpu[1] - cpu[0]));
            if (bigResult.get() != null) {
                o.set("big_prompts", Report.json(bigResult.get()));
            } else if (bigFailure.get() != null) {
                o.put("big_prompts_failure", bigFailure.get().toString());
            }
            return o;
        } finally {
            if (own != null) {
                own.close().toCompletionStage().toCompletableFuture().join();
            }
        }
    }

    static String label(int size) {
        return size % 1000 == 0 ? size / 1000 + "k" : Integer.toString(size);
    }

    // ---- report --------------------------------------------------------------------------------

    /**
     * The scenario's tables: TTFT by size and target (added against the direct path beside it; the gateway's event-loop
     * and worker CPU per request above what its threads use idle), then the other streams.
     */
    static String markdown(JsonNode report) {
        JsonNode p = report.path("prompt_sizes");
        if (p.isMissingNode() || p.isEmpty()) {
            return "";
        }
        StringBuilder md = new StringBuilder();
        JsonNode ttft = p.path("ttft");
        if (!ttft.isEmpty()) {
            md.append("Prompt sizes: TTFT ms of long chats at ")
                    .append(report.path("settings").path("prompt_sizes").path("rate_per_s").asText())
                    .append("/s, each target beside the direct path at the same rate at the same time; added = target − "
                            + "direct path\n\n| prompt | body KiB | target | requests | TTFT p50 | direct path p50 | added p50 "
                            + "| TTFT p99 | direct path p99 | added p99 | hop CPU ms/request | event loops µs/request "
                            + "| workers µs/request |\n"
                            + "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            List<String> sizes = new ArrayList<>();
            ttft.elements().next().fieldNames().forEachRemaining(sizes::add);
            for (String size : sizes) {
                ttft.fields().forEachRemaining(e -> {
                    JsonNode t = e.getValue().path(size);
                    JsonNode d = t.path("direct_path_beside");
                    JsonNode tt = t.path("time_to_first_token_ms");
                    JsonNode dt = d.path("time_to_first_token_ms");
                    md.append("| ").append(size).append(" | ")
                            .append(String.format(Locale.ROOT, "%.0f", t.path("body_bytes").asDouble() / 1024)).append(" | ")
                            .append(e.getKey()).append(" | ")
                            .append(t.path("completed").asInt()).append('/').append(d.path("completed").asInt())
                            .append(t.path("errors").asInt() + d.path("errors").asInt() > 0
                                    ? " (errors " + t.path("errors").asInt() + "/" + d.path("errors").asInt() + ")" : "")
                            .append(" | ").append(num(tt.path("p50"))).append(" | ").append(num(dt.path("p50")))
                            .append(" | ").append(diff(tt.path("p50"), dt.path("p50")))
                            .append(" | ").append(num(tt.path("p99"))).append(" | ").append(num(dt.path("p99")))
                            .append(" | ").append(diff(tt.path("p99"), dt.path("p99")))
                            .append(" | ").append(num(t.path("hop_cpu_ms_per_request")))
                            .append(" | ").append(num(t.path("thread_cpu_us_per_request").path("vert.x-eventloo")))
                            .append(" | ").append(num(workers(t.path("thread_cpu_us_per_request"))))
                            .append(" |\n");
                });
            }
            md.append('\n');
        }
        JsonNode bg = p.path("background");
        if (!bg.isEmpty()) {
            md.append("Other streams while long chats arrive: engine→client ms per response of the ordinary streams, "
                    + "without / with long chats (added = with − without), in rounds\n\n"
                    + "| gateway | round | streams | long chats | p50 | p99 | max | added p50 | added p99 | added max | "
                    + "streams' TTFT p99 | long chats done / errors | long chats' TTFT p50 |\n"
                    + "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            bg.fields().forEachRemaining(e -> {
                String chats = label(e.getValue().path("big_prompt_tokens").asInt()) + " at "
                        + e.getValue().path("big_prompts_per_s").asText() + "/s";
                int round = 0;
                for (JsonNode r : e.getValue().path("rounds")) {
                    round++;
                    JsonNode w = r.path("without").path("stamp_latency_ms");
                    JsonNode x = r.path("with").path("stamp_latency_ms");
                    JsonNode bigs = r.path("with").path("big_prompts");
                    md.append("| ").append(e.getKey()).append(" | ").append(round).append(" | ")
                            .append(e.getValue().path("streams").asInt()).append(" | ").append(chats).append(" | ")
                            .append(num(w.path("p50"))).append(" / ").append(num(x.path("p50"))).append(" | ")
                            .append(num(w.path("p99"))).append(" / ").append(num(x.path("p99"))).append(" | ")
                            .append(num(w.path("max"))).append(" / ").append(num(x.path("max"))).append(" | ")
                            .append(diff(x.path("p50"), w.path("p50"))).append(" | ")
                            .append(diff(x.path("p99"), w.path("p99"))).append(" | ")
                            .append(diff(x.path("max"), w.path("max"))).append(" | ")
                            .append(num(r.path("without").path("time_to_first_token_ms").path("p99"))).append(" / ")
                            .append(num(r.path("with").path("time_to_first_token_ms").path("p99"))).append(" | ")
                            .append(bigs.path("completed").asInt()).append(" / ").append(bigs.path("errors").asInt())
                            .append(" | ").append(num(bigs.path("time_to_first_token_ms").path("p50"))).append(" |\n");
                }
            });
            md.append('\n');
        }
        return md.toString();
    }

    /** Worker threads' figure: Quarkus's executor, or Vert.x's own worker pool where that ran the work. */
    private static JsonNode workers(JsonNode byGroup) {
        return byGroup.has("executor-thread") ? byGroup.path("executor-thread") : byGroup.path("vert.x-worker-t");
    }

    private static String num(JsonNode n) {
        return n.isMissingNode() || n.isNull() ? "–" : String.format(Locale.ROOT, "%.2f", n.asDouble());
    }

    private static String diff(JsonNode a, JsonNode b) {
        if (a.isMissingNode() || a.isNull() || b.isMissingNode() || b.isNull()) {
            return "–";
        }
        return String.format(Locale.ROOT, "%+.2f", a.asDouble() - b.asDouble());
    }
}
