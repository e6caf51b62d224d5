package org.maverick.gateway.it;

import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

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

import static org.awaitility.Awaitility.await;

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

    /** The instance's name (its gateway.queue.instance-id). */
    String name() {
        return name;
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
        HttpClient http = HttpClient.newHttpClient();
        try {
            await().atMost(timeout).pollInterval(Duration.ofMillis(200))
                    .failFast("gateway " + name + " exited", () -> !process.isAlive())
                    .ignoreExceptionsInstanceOf(IOException.class) // not listening yet
                    .until(() -> http.send(HttpRequest.newBuilder(URI.create(url() + "/q/health/ready"))
                            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding())
                            .statusCode() == 200);
        } catch (TerminalFailureException exited) {
            throw new IllegalStateException("gateway " + name + " exited with " + process.exitValue() + "; log:\n"
                    + Files.readString(log), exited);
        } catch (ConditionTimeoutException notReady) {
            throw new IllegalStateException("gateway " + name + " not ready in " + timeout + "; log:\n"
                    + Files.readString(log), notReady);
        }
    }

    /** Kills the process at once, as a crash would (no shutdown hooks, no goodbye to Kafka). */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /**
     * Sends SIGTERM, as an orchestrator stopping the pod does, and waits up to {@code max} for the process
     * to exit; returns how long it took, or null when it had not exited by then (it is then killed).
     */
    Duration terminate(Duration max) throws InterruptedException {
        long t0 = System.nanoTime();
        process.destroy();
        if (process.waitFor(max.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            return Duration.ofNanos(System.nanoTime() - t0);
        }
        process.destroyForcibly().waitFor();
        return null;
    }

    Path log() {
        return log;
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
