package org.maverick.gateway.it;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One packaged gateway (target/quarkus-app/quarkus-run.jar) running as its own JVM, the way it runs
 * in production: for tests that need several instances, or to kill one.
 */
final class GatewayProcess implements AutoCloseable {

    private final String name;
    private final int port;
    private final Process process;
    private final Path log;

    private GatewayProcess(String name, int port, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    static GatewayProcess start(String name, Map<String, String> settings) throws Exception {
        String jar = System.getProperty("gateway.jar", "target/quarkus-app/quarkus-run.jar");
        if (!new File(jar).isFile()) {
            throw new IllegalStateException("the packaged gateway is missing: " + jar + " (run `./mvnw verify`)");
        }
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:TieredStopAtLevel=1", "-Dquarkus.http.port=" + port));
        settings.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(jar);
        Path logs = Path.of("target", "it-logs");
        Files.createDirectories(logs);
        Path log = logs.resolve(name + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        GatewayProcess gateway = new GatewayProcess(name, port, process, log);
        gateway.awaitReady(Duration.ofSeconds(90));
        return gateway;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    String health() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url() + "/q/health/ready"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Generations this instance's worker runs now, as its readiness data says. */
    int workerInFlight() throws Exception {
        var m = java.util.regex.Pattern.compile("\"worker_in_flight\"\\s*:\\s*(\\d+)").matcher(health());
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpClient http = HttpClient.newHttpClient();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("gateway " + name + " exited with " + process.exitValue() + "; log:\n"
                        + Files.readString(log));
            }
            try {
                int status = http.send(HttpRequest.newBuilder(URI.create(url() + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("gateway " + name + " not ready in " + timeout + "; log:\n" + Files.readString(log));
    }

    /** Kills the process at once, as a crash would (no shutdown hooks, no goodbye to Kafka). */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /**
     * Stops the process as an orchestrator does (SIGTERM), waiting at most {@code bound} for it to exit.
     * Returns how long the exit took, or null when it had not exited within the bound (it is then killed).
     */
    Duration terminate(Duration bound) throws InterruptedException {
        long t0 = System.nanoTime();
        process.destroy(); // SIGTERM on Unix: the JVM runs its shutdown hooks, Quarkus its graceful stop
        if (process.waitFor(bound.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            return Duration.ofNanos(System.nanoTime() - t0);
        }
        process.destroyForcibly().waitFor();
        return null;
    }

    /** What the process wrote (stdout and stderr) so far. */
    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
