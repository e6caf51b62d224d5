package org.maverick.benchmark.suite;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.maverick.benchmark.load.LoadConfig;
import org.maverick.benchmark.load.LoadGenerator;
import org.maverick.benchmark.load.Report;
import org.maverick.standin.Timing;

/**
 * The whole benchmark, each part in its own process: the load generator in the suite's JVM, the Triton
 * stand-in (gRPC + its OpenAI endpoint) and the embedded Kafka broker as child JVMs, nginx (the floor
 * of any extra hop) and the packaged gateway as child processes; then the scenarios one after another
 * and a report (terminal tables, JSON, Markdown). The CPU and memory of the hop under test (the
 * gateway, or nginx's master and worker) are read from /proc while each scenario runs.
 */
public final class Suite {

    static final String HELP = """
            suite: the whole benchmark (build first: ./mvnw -B -pl benchmark -am package -DskipTests)
              --concurrency N        streams of the 256-stream scenarios (default 256)
              --warmup S             warm-up seconds per scenario (default 5)
              --gateway-warmup S     seconds of unmeasured load on a fresh gateway before its first scenario, split
                                     over its scenarios, so the JIT has compiled the hot paths (default 90)
              --duration S           measured seconds per scenario (default 20)
              --input-tokens N       prompt length (default 256)
              --output-tokens N      answer length (default 128)
              --long-streams N       open streams of the memory scenario (default 10000; 0 skips it)
              --long-hold S          seconds the long streams are held after ramping up (default 15)
              --no-queued            skip the queued-mode scenario (and the Kafka broker)
              --no-websocket         skip the WebSocket scenario
              --no-gateway           skip the gateway's scenarios (e.g. direct path and nginx only)
              --no-nginx             skip the nginx scenario
              --nginx PATH           the nginx binary (default: nginx on PATH or /usr/sbin/nginx; Debian/Ubuntu:
                                     apt-get install -y nginx-light)
              --target NAME=URL      also measure another OpenAI-compatible endpoint (e.g. a proxy in front of
                                     the stand-in: see --openai-port), repeatable
              --openai-port P        port of the stand-in's OpenAI endpoint (default: a free one)
              --jfr                  record the gateway with JFR and summarise the CPU samples
              --async-profiler LIB   libasyncProfiler.so (tools.profiler:async-profiler on Maven Central): profile the
                                     gateway's CPU during each measured window, <scenario>.html flame graph and
                                     <scenario>.collapsed stacks in the report directory
              --gateway-jvm-opts S   JVM options of the gateway (default "-Xmx768m")
              --gateway-jar PATH     default gateway/target/quarkus-app/quarkus-run.jar
              --gateway-java PATH    the java launcher of the gateway (default: the suite's own)
              --baseline-java PATH   the java launcher of the baseline gateway (default: the gateway's)
              --baseline-jvm-opts S  extra JVM options of the baseline gateway only, after --gateway-jvm-opts (e.g. a
                                     -Dsetting=value, to measure what a setting costs against the same jar)
              --baseline-jar PATH    another build of the gateway (e.g. before a change): its direct (and queued) scenarios
                                     run in the same run, warmed up the same way, as "baseline-direct" and
                                     "baseline-queued", so a change is judged
                                     by the ratio of two figures measured minutes apart on the same machine
              --out DIR              report directory (default benchmark/target/benchmark-report)
            """ + PromptSizes.HELP;

    private static final ObjectMapper JSON = new ObjectMapper();

    int concurrency = 256;
    Duration warmup = Duration.ofSeconds(5);
    Duration gatewayWarmup = Duration.ofSeconds(90);
    Duration duration = Duration.ofSeconds(20);
    int inputTokens = 256;
    int outputTokens = 128;
    int longStreams = 10_000;
    Duration longHold = Duration.ofSeconds(15);
    boolean queued = true;
    boolean websocket = true;
    boolean gatewayScenarios = true;
    boolean nginx = true;
    Path nginxBinary;
    boolean jfr;
    Path asyncProfiler;
    int openAiPort;
    List<String> gatewayJvm = new ArrayList<>(List.of("-Xmx768m"));
    Path gatewayJar = Path.of("gateway/target/quarkus-app/quarkus-run.jar");
    Path baselineJar;
    Path gatewayJava = Path.of(System.getProperty("java.home"), "bin", "java");
    Path baselineJava;
    List<String> baselineJvmExtra = new ArrayList<>();
    private Duration warmupPerScenario = Duration.ZERO;
    Path out = Path.of("benchmark/target/benchmark-report");
    Map<String, String> targets = new LinkedHashMap<>();

    private final ObjectNode report = JSON.createObjectNode();
    private final ArrayNode scenarios = report.putArray("scenarios");
    private final StringBuilder tables = new StringBuilder();
    final PromptSizes prompts = new PromptSizes(report);

    public static void main(String[] args) throws Exception {
        Suite s = new Suite();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--concurrency" -> s.concurrency = Integer.parseInt(args[++i]);
                case "--warmup" -> s.warmup = seconds(args[++i]);
                case "--gateway-warmup" -> s.gatewayWarmup = seconds(args[++i]);
                case "--duration" -> s.duration = seconds(args[++i]);
                case "--input-tokens" -> s.inputTokens = Integer.parseInt(args[++i]);
                case "--output-tokens" -> s.outputTokens = Integer.parseInt(args[++i]);
                case "--long-streams" -> s.longStreams = Integer.parseInt(args[++i]);
                case "--long-hold" -> s.longHold = seconds(args[++i]);
                case "--no-queued" -> s.queued = false;
                case "--no-websocket" -> s.websocket = false;
                case "--no-gateway" -> s.gatewayScenarios = false;
                case "--no-nginx" -> s.nginx = false;
                case "--nginx" -> s.nginxBinary = Path.of(args[++i]);
                case "--jfr" -> s.jfr = true;
                case "--async-profiler" -> s.asyncProfiler = Path.of(args[++i]).toAbsolutePath();
                case "--openai-port" -> s.openAiPort = Integer.parseInt(args[++i]);
                case "--gateway-jvm-opts" -> s.gatewayJvm = new ArrayList<>(List.of(args[++i].trim().split("\\s+")));
                case "--gateway-jar" -> s.gatewayJar = Path.of(args[++i]);
                case "--baseline-jar" -> s.baselineJar = Path.of(args[++i]);
                case "--gateway-java" -> s.gatewayJava = Path.of(args[++i]);
                case "--baseline-java" -> s.baselineJava = Path.of(args[++i]);
                case "--baseline-jvm-opts" -> s.baselineJvmExtra = new ArrayList<>(List.of(args[++i].trim().split("\\s+")));
                case "--out" -> s.out = Path.of(args[++i]);
                case "--target" -> {
                    String t = args[++i];
                    s.targets.put(t.substring(0, t.indexOf('=')), t.substring(t.indexOf('=') + 1));
                }
                case "-h", "--help" -> {
                    System.out.println(HELP);
                    return;
                }
                default -> {
                    int last = s.prompts.option(args, i);
                    if (last < 0) {
                        throw new IllegalArgumentException("unknown option " + a + " (try --help)");
                    }
                    i = last;
                }
            }
        }
        s.run();
    }

    void run() throws Exception {
        Files.createDirectories(out);
        report.put("started_at", Instant.now().toString());
        ObjectNode machine = report.putObject("machine");
        machine.put("cpus", Runtime.getRuntime().availableProcessors());
        machine.put("java", System.getProperty("java.version"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        ObjectNode settings = report.putObject("settings");
        settings.put("concurrency", concurrency);
        settings.put("warmup_s", warmup.toMillis() / 1000.0);
        settings.put("gateway_warmup_s", gatewayWarmup.toMillis() / 1000.0);
        settings.put("duration_s", duration.toMillis() / 1000.0);
        settings.put("input_tokens", inputTokens);
        settings.put("output_tokens", outputTokens);
        settings.put("gateway_jvm_options", String.join(" ", gatewayJvm));
        if (!baselineJvmExtra.isEmpty()) {
            settings.put("baseline_jvm_options", String.join(" ", baselineJvmExtra));
        }
        settings.put("gateway_java", gatewayJava.toString());
        settings.put("stand_in_timing", Timing.defaults().toString());
        prompts.settings(settings);

        settings.put("processes", "load generator: the suite's JVM; stand-in, Kafka broker: child JVMs;"
                + " nginx, gateway: child processes");

        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        JavaChild kafka = null;
        String bootstrap = null;
        int grpcPort = freePort();
        int openAi = openAiPort > 0 ? openAiPort : freePort();
        log("starting the stand-in in its own JVM (gRPC " + grpcPort + ", OpenAI " + openAi + ")");
        try (JavaChild standIn = JavaChild.startListening("org.maverick.standin.StandInMain", List.of(),
                List.of("--port", Integer.toString(grpcPort), "--openai-port", Integer.toString(openAi)),
                out.resolve("stand-in.log"), List.of(grpcPort, openAi), Duration.ofSeconds(60))) {
            if (queued && gatewayScenarios) {
                log("starting the embedded Kafka broker in its own JVM");
                String[] at = new String[1];
                kafka = JavaChild.startLogging("org.maverick.kafka.EmbeddedKafkaMain", List.of(),
                        List.of("--port", Integer.toString(freePort())), out.resolve("kafka.log"),
                        Pattern.compile("ready in \\d+ ms at (\\S+),"), Duration.ofSeconds(120), at);
                bootstrap = at[0];
            }
            Map<String, String> gw = gatewaySettings(grpcPort);
            if (kafka != null) {
                gw.put("kafka.bootstrap.servers", bootstrap);
                gw.put("gateway.queue.enabled", "true");
                gw.put("gateway.queue.instance-id", "bench");
                gw.put("gateway.queue.replication-factor", "1");
                gw.put("gateway.queue.resume-secret", "benchmark-only-secret");
            }
            String directUrl = "http://127.0.0.1:" + openAi + "/v1/chat/completions";
            log("stand-in (pid " + standIn.pid() + ") gRPC 127.0.0.1:" + grpcPort + ", OpenAI endpoint " + directUrl);

            LoadConfig base = LoadConfig.builder(directUrl).concurrency(concurrency).warmup(warmup).duration(duration)
                    .inputTokens(inputTokens).outputTokens(outputTokens).rampUp(Duration.ofSeconds(1)).build();

            // The stand-in and the load generator compile their paths too: warm them before the baseline.
            LoadConfig directPath = base.toBuilder().name("direct-path").build();
            warmUp(vertx, List.of(directPath), gatewayWarmup.dividedBy(2));
            ObjectNode direct = scenario(vertx, directPath, null);
            ObjectNode nginxO = nginxScenario(vertx, base, openAi);
            for (var t : targets.entrySet()) {
                scenario(vertx, base.toBuilder().name(t.getKey()).url(t.getValue()).build(), null);
            }
            if (!gatewayScenarios) {
                log("--no-gateway: the gateway's scenarios are skipped");
                targets(direct, nginxO, null, null);
            }
            int port = freePort();
            if (gatewayScenarios) {
            log("starting the gateway on port " + port);
            try (GatewayProcess gateway = GatewayProcess.start(gatewayJava, gatewayJar, port, gw, jvm("gateway"),
                    out.resolve("gateway.log"), Duration.ofSeconds(120))) {
                Hop hop = Hop.of(gateway);
                String url = "http://127.0.0.1:" + port + "/v1/chat/completions";
                List<LoadConfig> runs = new ArrayList<>();
                runs.add(base.toBuilder().name("gateway-direct").url(url).header("x-maverick-mode", "direct").build());
                if (kafka != null) {
                    runs.add(base.toBuilder().name("gateway-queued").url(url).header("x-maverick-mode", "queued").build());
                }
                if (websocket) {
                    runs.add(base.toBuilder().name("gateway-websocket").url("ws://127.0.0.1:" + port
                            + "/v1/realtime/chat").transport(LoadConfig.Transport.WEBSOCKET).build());
                }
                warmUp(vertx, runs, gatewayWarmup);
                warmupPerScenario = gatewayWarmup.dividedBy(runs.size());
                ObjectNode gwDirect = null;
                ObjectNode gwQueued = null;
                for (LoadConfig run : runs) {
                    ObjectNode o = scenario(vertx, run, hop);
                    if (run.name().equals("gateway-direct")) {
                        gwDirect = o;
                    } else if (run.name().equals("gateway-queued")) {
                        gwQueued = o;
                    }
                }
                prompts.ttft(vertx, "gateway-direct", runs.get(0), hop, directUrl);
                prompts.background(vertx, "gateway-direct", runs.get(0), hop);
                gateway.close();
                targets(direct, nginxO, gwDirect, gwQueued);
                profile("gateway");
            }
            }
            if (baselineJar != null && gatewayScenarios) {
                int basePort = freePort();
                log("starting the baseline gateway " + baselineJar + " on port " + basePort);
                try (GatewayProcess baseline = GatewayProcess.start(baselineJava == null ? gatewayJava : baselineJava, baselineJar, basePort, gw, jvm("baseline"),
                        out.resolve("baseline.log"), Duration.ofSeconds(120))) {
                    String baseUrl = "http://127.0.0.1:" + basePort + "/v1/chat/completions";
                    List<LoadConfig> baseRuns = new ArrayList<>();
                    baseRuns.add(base.toBuilder().name("baseline-direct").url(baseUrl).header("x-maverick-mode", "direct").build());
                    if (kafka != null) {
                        baseRuns.add(base.toBuilder().name("baseline-queued").url(baseUrl).header("x-maverick-mode", "queued").build());
                    }
                    // each as long as the gateway's own scenarios had
                    warmUp(vertx, baseRuns, warmupPerScenario.multipliedBy(baseRuns.size()));
                    for (LoadConfig run : baseRuns) {
                        scenario(vertx, run, Hop.of(baseline));
                    }
                    prompts.ttft(vertx, "baseline-direct", baseRuns.get(0), Hop.of(baseline), directUrl);
                    prompts.background(vertx, "baseline-direct", baseRuns.get(0), Hop.of(baseline));
                    baseline.close();
                    profile("baseline");
                }
            }
            if (longStreams > 0 && gatewayScenarios) {
                longStreams(vertx, nginxO);
            }
        } finally {
            if (kafka != null) {
                kafka.close();
            }
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
        report.put("finished_at", Instant.now().toString());
        Path json = out.resolve("benchmark-report.json");
        Files.writeString(json, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        String md = Markdown.render(report);
        Files.writeString(out.resolve("benchmark-report.md"), md);
        System.out.println();
        System.out.println(tables);
        System.out.println(Markdown.versusNginx(report));
        System.out.println(Markdown.targets(report));
        System.out.println(PromptSizes.markdown(report));
        System.out.println("Report: " + json + " and " + out.resolve("benchmark-report.md"));
    }

    /**
     * Unmeasured load on a fresh gateway, {@link #gatewayWarmup} split over its scenarios: a JVM
     * compiles its hot paths in the first tens of seconds under load (on 2 cores the C1 and C2
     * compiler threads then take about half of the gateway's CPU), and the figures are of the
     * gateway as it runs for days, not of its first minute. The JIT's CPU in each measured window is
     * still reported, by thread. The direct path gets half as long: the stand-in and the load generator
     * are JIT-compiled too, and a cold baseline would flatter the gateway.
     */
    void warmUp(Vertx vertx, List<LoadConfig> runs, Duration total) throws InterruptedException {
        if (total.isZero() || runs.isEmpty()) {
            return;
        }
        Duration each = total.dividedBy(runs.size());
        for (LoadConfig run : runs) {
            log("warming up: " + run.name() + " for " + each.toSeconds() + " s (not measured)");
            new LoadGenerator(run.toBuilder().name(run.name() + "-warm-up").warmup(Duration.ZERO).duration(each).build(),
                    vertx, new LoadGenerator.Listener() { }).run();
        }
    }

    /** The gateway's settings for a run against a stand-in on {@code tritonPort}. */
    private static Map<String, String> gatewaySettings(int tritonPort) {
        Map<String, String> gw = new LinkedHashMap<>();
        gw.put("gateway.triton.endpoint", "127.0.0.1:" + tritonPort);
        gw.put("gateway.mode", "direct");
        gw.put("gateway.auth.enabled", "false"); // load from loopback only; keys would only add a hash per request
        // the benchmark measures the relay, not admission: lift the per-instance limits above its load
        gw.put("gateway.admission.max-in-flight", "20000");
        gw.put("gateway.admission.max-waiting", "20000");
        gw.put("gateway.admission.max-queued", "20000");
        gw.put("gateway.admission.anonymous-max-concurrent", "20000");
        gw.put("gateway.admission.anonymous-tokens-per-minute", "100000000000");
        // no collector here: spans are made (their cost is measured) and dropped at the exporter's queue
        gw.put("quarkus.otel.bsp.max.queue.size", "2048");
        return gw;
    }

    /** The memory scenario: a fresh stand-in with room for every stream and a fresh gateway, long slow streams. */
    void longStreams(Vertx vertx, ObjectNode nginxO) throws Exception {
        int widePort = freePort();
        try (JavaChild wide = JavaChild.startListening("org.maverick.standin.StandInMain", List.of(),
                List.of("--port", Integer.toString(widePort), "--slots", Integer.toString(Math.max(256, longStreams + 1024))),
                out.resolve("stand-in-long.log"), List.of(widePort), Duration.ofSeconds(60))) {
            Map<String, String> gw = gatewaySettings(widePort);
            int port = freePort();
            log("starting a fresh gateway for " + longStreams + " long streams on port " + port);
            try (GatewayProcess gateway = GatewayProcess.start(gatewayJava, gatewayJar, port, gw, jvm("gateway-long"),
                    out.resolve("gateway-long.log"), Duration.ofSeconds(120))) {
                Duration ramp = Duration.ofSeconds(Math.max(5, longStreams / 1000));
                LoadConfig c = LoadConfig.builder("http://127.0.0.1:" + port + "/v1/chat/completions")
                        .name("long-streams").concurrency(longStreams).rampUp(ramp)
                        .warmup(ramp.plusSeconds(5)).duration(longHold).cancelAtEnd(true)
                        .inputTokens(64).outputTokens(10_000).directive("ttft_ms=1000").directive("itl_ms=2000")
                        .stamp(false).build();
                ObjectNode o = scenario(vertx, c, Hop.of(gateway));
                gateway.close();
                double hwm = o.path("gateway").path("vm_hwm_mib").asDouble();
                int open = o.path("max_open_streams").asInt();
                ObjectNode t = report.withArray("targets").addObject();
                t.put("target", longStreams + " concurrent open streams held, gateway memory");
                t.put("goal", "< 1024 MiB");
                t.put("figure", round(hwm));
                t.put("unit", "MiB");
                nginxFigure(t, hwm, nginxO == null ? Double.NaN : nginxO.path("nginx").path("vm_hwm_mib").asDouble(Double.NaN),
                        "nginx's peak RSS at " + concurrency + " streams");
                t.put("met", hwm < 1024 && open >= longStreams);
                t.put("detail", open + " streams open at once (peak), " + o.path("errors").asInt()
                        + " errors; VmHWM " + fmt(hwm) + " MiB, gateway " + String.join(" ", gatewayJvm));
                profile("gateway-long");
            }
        }
    }

    /**
     * The process(es) of the hop a scenario measures: the gateway's JVM ({@code jvm} set: its threads and
     * profiler too), or nginx's master and worker; {@code key} names its figures in the report.
     */
    record Hop(String key, Supplier<List<Long>> pids, GatewayProcess jvm) {
        static Hop of(GatewayProcess g) {
            return new Hop("gateway", () -> List.of(g.pid()), g);
        }

        double cpuSeconds() {
            double sum = 0;
            for (long pid : pids.get()) {
                try {
                    sum += ProcStats.cpuSeconds(pid);
                } catch (IOException e) {
                    return Double.NaN;
                }
            }
            return sum;
        }

        /** A /proc status field summed over the hop's processes, KiB. */
        long statusKib(String field) throws IOException {
            long sum = 0;
            for (long pid : pids.get()) {
                sum += Math.max(0, ProcStats.statusKib(pid, field));
            }
            return sum;
        }
    }

    /**
     * nginx in front of the stand-in's OpenAI endpoint, measured like the gateway (CPU of its master and
     * worker per relayed token, peak RSS); null when skipped, with a line saying why and how to install it.
     */
    ObjectNode nginxScenario(Vertx vertx, LoadConfig base, int upstreamPort) throws Exception {
        if (!nginx) {
            log("--no-nginx: the nginx scenario is skipped");
            return null;
        }
        Path bin = nginxBinary != null ? nginxBinary : NginxProcess.find().orElse(null);
        if (bin == null || !Files.isExecutable(bin)) {
            log("SKIPPED nginx scenario: no nginx on PATH or in /usr/sbin (install Debian's: " + NginxProcess.INSTALL
                    + ", or pass --nginx PATH); the targets relative to nginx are then not judged");
            report.put("nginx", "skipped: nginx not found (" + NginxProcess.INSTALL + ")");
            return null;
        }
        try (NginxProcess proxy = NginxProcess.start(bin, upstreamPort, concurrency, out.resolve("nginx.log"))) {
            log("nginx " + bin + " (pids " + proxy.pids() + ", config " + proxy.dir().resolve("nginx.conf") + ") on port "
                    + proxy.port() + " in front of 127.0.0.1:" + upstreamPort);
            report.put("nginx_config", NginxProcess.config(Path.of("<tmp>"), proxy.port(), upstreamPort,
                    Math.max(1024, 2 * concurrency + 64)));
            LoadConfig viaNginx = base.toBuilder().name("nginx")
                    .url("http://127.0.0.1:" + proxy.port() + "/v1/chat/completions").build();
            Hop hop = new Hop("nginx", proxy::pids, null);
            ObjectNode o = scenario(vertx, viaNginx, hop);
            prompts.ttft(vertx, "nginx", viaNginx, hop, base.url().toString());
            return o;
        }
    }

    /** Runs one scenario; with a hop (gateway or nginx), reads its CPU over the window and its memory throughout. */
    ObjectNode scenario(Vertx vertx, LoadConfig config, Hop hop) throws Exception {
        GatewayProcess gateway = hop == null ? null : hop.jvm();
        log("scenario " + config.name() + ": " + config.url() + (config.headers().isEmpty() ? "" : " " + config.headers()));
        double[] cpu = new double[2];
        List<Map<String, double[]>> threadCpu = new ArrayList<>(List.of(Map.of(), Map.of()));
        long[] hwm = new long[2];
        AtomicLong maxRss = new AtomicLong();
        LoadGenerator[] generator = new LoadGenerator[1];
        long[] tokens = new long[2];
        Thread sampler = null;
        if (hop != null) {
            sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        maxRss.accumulateAndGet(hop.statusKib("VmRSS"), Math::max);
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        return;
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "rss-sampler");
            sampler.setDaemon(true);
            sampler.start();
        }
        LoadGenerator.Listener listener = new LoadGenerator.Listener() {
            @Override
            public void windowStarted() {
                if (hop != null) {
                    cpu[0] = hop.cpuSeconds();
                }
                if (gateway != null) {
                    threadCpu.set(0, threadCpuOf(gateway));
                    profiler(gateway, "start,event=cpu,interval=1ms");
                }
                tokens[0] = generator[0].tokensReceived();
            }

            @Override
            public void windowEnded() {
                if (hop != null) {
                    cpu[1] = hop.cpuSeconds();
                }
                if (gateway != null) {
                    threadCpu.set(1, threadCpuOf(gateway));
                    profiler(gateway, "stop,file=" + out.toAbsolutePath().resolve(config.name() + ".collapsed") + ",collapsed");
                    profiler(gateway, "stop,file=" + out.toAbsolutePath().resolve(config.name() + ".html"));
                }
                tokens[1] = generator[0].tokensReceived();
            }
        };
        generator[0] = new LoadGenerator(config, vertx, listener);
        LoadGenerator.Result result = generator[0].run();
        ObjectNode o = Report.json(result);
        if (hop != null) {
            sampler.interrupt();
            ObjectNode g = o.putObject(hop.key());
            double seconds = cpu[1] - cpu[0];
            long relayed = tokens[1] - tokens[0];
            g.put("pid", hop.pids().get().get(0));
            g.put("processes", hop.pids().get().size());
            g.put("cpu_seconds_in_window", round(seconds));
            g.put("tokens_relayed_in_window", relayed);
            g.put("cpu_seconds_per_million_tokens", relayed == 0 ? 0 : round(seconds / relayed * 1e6));
            g.put("cpu_us_per_token", relayed == 0 ? 0 : round(seconds / relayed * 1e6));
            g.put("cpu_cores_busy", round(seconds / (config.duration().toMillis() / 1000.0)));
            g.put("vm_hwm_mib", round(hop.statusKib("VmHWM") / 1024.0));
            g.put("max_vm_rss_mib", round(maxRss.get() / 1024.0));
        }
        if (gateway != null) {
            ObjectNode g = (ObjectNode) o.get("gateway");
            long relayed = tokens[1] - tokens[0];
            ArrayNode byThread = g.putArray("cpu_by_thread");
            threadCpu.get(1).entrySet().stream()
                    .map(e -> {
                        double[] before = threadCpu.get(0).getOrDefault(e.getKey(), new double[2]);
                        return Map.entry(e.getKey(), new double[] {e.getValue()[0] - before[0], e.getValue()[1] - before[1]});
                    })
                    .filter(e -> e.getValue()[0] + e.getValue()[1] > 0)
                    .sorted((a, b) -> Double.compare(b.getValue()[0] + b.getValue()[1], a.getValue()[0] + a.getValue()[1]))
                    .forEach(e -> byThread.addObject().put("threads", e.getKey())
                            .put("user_s", round(e.getValue()[0])).put("system_s", round(e.getValue()[1]))
                            .put("us_per_token", relayed == 0 ? 0 : round((e.getValue()[0] + e.getValue()[1]) / relayed * 1e6)));
            double jit = 0;
            double loops = 0;
            for (var t : byThread) {
                String name = t.get("threads").asText();
                double us = t.get("us_per_token").asDouble();
                if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                    jit += us;
                } else if (name.startsWith("vert.x-eventloo")) {
                    loops += us;
                }
            }
            g.put("jit_cpu_us_per_token", round(jit));
            g.put("event_loop_cpu_us_per_token", round(loops));
            g.put("cpu_us_per_token_without_jit", round(g.get("cpu_us_per_token").asDouble() - jit));
        }
        scenarios.add(o);
        tables.append(Report.table(config.name() + " — " + config.url() + (config.headers().isEmpty() ? ""
                : " " + config.headers()), result.summary()));
        if (o.has("nginx")) {
            ObjectNode g = (ObjectNode) o.get("nginx");
            tables.append(String.format(Locale.ROOT, "nginx (%d processes): %.2f CPU s for %d tokens = %.2f µs/token"
                            + " (%.2f cores); VmHWM %.1f MiB, max VmRSS %.1f MiB%n", g.get("processes").asInt(),
                    g.get("cpu_seconds_in_window").asDouble(), g.get("tokens_relayed_in_window").asLong(),
                    g.get("cpu_us_per_token").asDouble(), g.get("cpu_cores_busy").asDouble(),
                    g.get("vm_hwm_mib").asDouble(), g.get("max_vm_rss_mib").asDouble()));
        }
        if (o.has("gateway")) {
            ObjectNode g = (ObjectNode) o.get("gateway");
            tables.append(String.format(Locale.ROOT, "Gateway: %.2f CPU s for %d tokens = %.2f µs/token (%.2f cores); "
                            + "VmHWM %.0f MiB, max VmRSS %.0f MiB; max open streams %d%n",
                    g.get("cpu_seconds_in_window").asDouble(), g.get("tokens_relayed_in_window").asLong(),
                    g.get("cpu_us_per_token").asDouble(), g.get("cpu_cores_busy").asDouble(),
                    g.get("vm_hwm_mib").asDouble(), g.get("max_vm_rss_mib").asDouble(), result.maxOpenStreams()));
            tables.append("Gateway CPU by thread (user + system s, µs/token):");
            for (var t : g.get("cpu_by_thread")) {
                tables.append(String.format(Locale.ROOT, " %s %.2f+%.2f %.1f;", t.get("threads").asText(),
                        t.get("user_s").asDouble(), t.get("system_s").asDouble(), t.get("us_per_token").asDouble()));
            }
            tables.append('\n');
        }
        tables.append('\n');
        return o;
    }

    /**
     * Each target with its figure, beside nginx's and as a ratio to it. "Added" is always a figure minus the
     * direct path's of this run; the goals are relative to nginx, the floor of any extra hop: CPU per relayed
     * token at most 1.5x nginx's; added TTFT p50 at most max(5 ms, 2x nginx's added TTFT p50), p99 at most
     * max(10 ms, 2x nginx's); added inter-token p99 at most 5 ms; queued mode (the broker in its own process)
     * added TTFT p50 at most 25 ms, p99 at most 60 ms. Without an nginx figure the relative goals are not judged
     * (the TTFT ones fall back to their floors).
     */
    void targets(ObjectNode direct, ObjectNode nginxO, ObjectNode gwDirect, ObjectNode gwQueued) {
        ArrayNode t = report.withArray("targets");
        double dStampP99 = at(direct, "stamp_latency_ms", "p99");
        double dTtftP50 = at(direct, "time_to_first_token_ms", "p50");
        double dTtftP99 = at(direct, "time_to_first_token_ms", "p99");
        boolean n = nginxO != null;
        double nTtftP50 = n ? at(nginxO, "time_to_first_token_ms", "p50") - dTtftP50 : Double.NaN;
        double nTtftP99 = n ? at(nginxO, "time_to_first_token_ms", "p99") - dTtftP99 : Double.NaN;
        double nStampP99 = n ? at(nginxO, "stamp_latency_ms", "p99") - dStampP99 : Double.NaN;
        double nCpu = n ? nginxO.path("nginx").path("cpu_us_per_token").asDouble(Double.NaN) : Double.NaN;
        if (gwDirect == null) {
            if (n) { // nginx's own figures: the floor every goal is set against
                ObjectNode o = t.addObject();
                o.put("target", "nginx (the floor): added TTFT p50 / p99, added inter-token p99, CPU per token, peak RSS");
                o.put("goal", "–");
                o.put("figure", round(nTtftP50));
                o.put("unit", "ms");
                o.put("met", true);
                o.put("detail", "added TTFT p50 " + fmt(nTtftP50) + " ms, p99 " + fmt(nTtftP99)
                        + " ms; added inter-token p99 " + fmt(nStampP99) + " ms; " + fmt(nCpu) + " µs CPU/token; peak RSS "
                        + fmt(nginxO.path("nginx").path("vm_hwm_mib").asDouble()) + " MiB");
            }
            return;
        }
        double ttftP50Goal = Math.max(5.0, n ? 2 * nTtftP50 : 5.0);
        double ttftP99Goal = Math.max(10.0, n ? 2 * nTtftP99 : 10.0);
        String c = concurrency + " streams";
        double gCpu = gwDirect.path("gateway").path("cpu_us_per_token").asDouble();
        ObjectNode cpu = target(t, "direct mode: gateway CPU per relayed token", "≤ 1.5 × nginx's"
                        + (n ? " (" + fmt(1.5 * nCpu) + " µs)" : " (no nginx figure: not judged)"),
                gCpu, n ? 1.5 * nCpu : Double.NEGATIVE_INFINITY, "µs",
                fmt(gwDirect.path("gateway").path("cpu_seconds_per_million_tokens").asDouble())
                        + " CPU s per million tokens; without the JIT compiler's threads "
                        + fmt(gwDirect.path("gateway").path("cpu_us_per_token_without_jit").asDouble())
                        + " µs, of which the event loops " + fmt(gwDirect.path("gateway").path("event_loop_cpu_us_per_token").asDouble())
                        + " µs");
        nginxFigure(cpu, gCpu, nCpu, "nginx's CPU per relayed token (master + worker)");
        double a = at(gwDirect, "time_to_first_token_ms", "p50") - dTtftP50;
        nginxFigure(target(t, "direct mode, " + c + ": added TTFT p50", "≤ max(5 ms, 2 × nginx's) = " + fmt(ttftP50Goal) + " ms",
                a, ttftP50Goal, "ms", "TTFT p50 " + fmt(at(gwDirect, "time_to_first_token_ms", "p50")) + " ms vs direct path "
                        + fmt(dTtftP50) + " ms"), a, nTtftP50, "nginx's added TTFT p50");
        a = at(gwDirect, "time_to_first_token_ms", "p99") - dTtftP99;
        nginxFigure(target(t, "direct mode, " + c + ": added TTFT p99", "≤ max(10 ms, 2 × nginx's) = " + fmt(ttftP99Goal) + " ms",
                a, ttftP99Goal, "ms", "TTFT p99 " + fmt(at(gwDirect, "time_to_first_token_ms", "p99")) + " ms vs direct path "
                        + fmt(dTtftP99) + " ms"), a, nTtftP99, "nginx's added TTFT p99");
        a = at(gwDirect, "stamp_latency_ms", "p99") - dStampP99;
        nginxFigure(target(t, "direct mode, " + c + ": added inter-token latency p99", "≤ 5 ms", a, 5.0, "ms",
                "engine→client per response p99 " + fmt(at(gwDirect, "stamp_latency_ms", "p99")) + " ms vs direct path "
                        + fmt(dStampP99) + " ms"), a, nStampP99, "nginx's added inter-token p99");
        if (gwQueued != null) {
            a = at(gwQueued, "time_to_first_token_ms", "p50") - dTtftP50;
            nginxFigure(target(t, "queued mode (broker in its own process), " + c + ": added TTFT p50", "≤ 25 ms", a, 25.0, "ms",
                    "TTFT p50 " + fmt(at(gwQueued, "time_to_first_token_ms", "p50")) + " ms vs direct path " + fmt(dTtftP50) + " ms"),
                    a, nTtftP50, "nginx's added TTFT p50");
            a = at(gwQueued, "time_to_first_token_ms", "p99") - dTtftP99;
            nginxFigure(target(t, "queued mode (broker in its own process), " + c + ": added TTFT p99", "≤ 60 ms", a, 60.0, "ms",
                    "TTFT p99 " + fmt(at(gwQueued, "time_to_first_token_ms", "p99")) + " ms vs direct path " + fmt(dTtftP99) + " ms"),
                    a, nTtftP99, "nginx's added TTFT p99");
        }
    }

    /** nginx's figure of the same kind beside a target's, and the ratio of the two ("–" without nginx). */
    static void nginxFigure(ObjectNode target, double figure, double nginx, String what) {
        if (Double.isNaN(nginx)) {
            return;
        }
        target.put("nginx", round(nginx));
        target.put("nginx_what", what);
        if (nginx > Markdown.RATIO_FLOOR) {
            target.put("ratio_to_nginx", round(figure / nginx));
        }
    }

    static ObjectNode target(ArrayNode t, String name, String goal, double figure, double limit, String unit, String detail) {
        ObjectNode o = t.addObject();
        o.put("target", name);
        o.put("goal", goal);
        o.put("figure", round(figure));
        o.put("unit", unit);
        o.put("met", figure <= limit);
        o.put("detail", detail);
        return o;
    }

    void profile(String name) throws IOException {
        Path file = out.resolve(name + ".jfr");
        if (!jfr || !Files.exists(file)) {
            return;
        }
        JfrSummary.Profile p = JfrSummary.read(file, 25);
        ObjectNode o = report.with("profiles").putObject(name);
        o.put("samples", p.samples());
        for (var e : List.of(Map.entry("top_frames", p.topFrames()), Map.entry("threads", p.threads()),
                Map.entry("gateway_methods_total", p.gatewayMethods()))) {
            ArrayNode a = o.putArray(e.getKey());
            e.getValue().forEach(x -> a.addObject().put("name", x.name()).put("samples", x.samples())
                    .put("share", round(x.share())));
        }
    }

    List<String> jvm(String name) {
        List<String> opts = new ArrayList<>(gatewayJvm);
        if (name.equals("baseline")) {
            opts.addAll(baselineJvmExtra);
        }
        if (jfr) {
            opts.add("-XX:StartFlightRecording=filename=" + out.resolve(name + ".jfr").toAbsolutePath()
                    + ",settings=profile,dumponexit=true");
        }
        return opts;
    }

    static double cpuOf(GatewayProcess g) {
        try {
            return ProcStats.cpuSeconds(g.pid());
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    /** An async-profiler command to the gateway, through jcmd's JVMTI.agent_load (the agent attaches on the first). */
    void profiler(GatewayProcess g, String command) {
        if (asyncProfiler == null) {
            return;
        }
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            // jcmd splits arguments at '=': the agent's options go quoted as one argument
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(g.pid()), "JVMTI.agent_load",
                    asyncProfiler.toString(), "\"" + command + "\"").redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0 || !output.contains("return code: 0")) {
                log("async-profiler '" + command + "' failed: " + output.trim());
            }
        } catch (IOException e) {
            log("async-profiler '" + command + "' failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Map<String, double[]> threadCpuOf(GatewayProcess g) {
        try {
            return ProcStats.threadCpuSeconds(g.pid());
        } catch (IOException e) {
            return Map.of();
        }
    }

    static double at(ObjectNode scenario, String metric, String stat) {
        return scenario.path(metric).path(stat).asDouble(Double.NaN);
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static Duration seconds(String s) {
        return Duration.ofMillis((long) (Double.parseDouble(s) * 1000));
    }

    static void log(String message) {
        System.err.println("[suite] " + message);
    }
}
