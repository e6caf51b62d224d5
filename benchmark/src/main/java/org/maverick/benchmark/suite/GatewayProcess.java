package org.maverick.benchmark.suite;

import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

import java.io.IOException;
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
 * The packaged gateway ({@code gateway/target/quarkus-app/quarkus-run.jar}) as a child process,
 * configured with {@code -D} settings, its output in a log file. {@link #start} blocks until
 * {@code /q/health/ready} answers 200.
 */
public final class GatewayProcess implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;

    private GatewayProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    public static GatewayProcess start(Path quarkusRunJar, int port, Map<String, String> settings, List<String> jvmOptions,
                                       Path log, Duration readyTimeout) throws IOException, InterruptedException {
        return start(Path.of(System.getProperty("java.home"), "bin", "java"), quarkusRunJar, port, settings, jvmOptions,
                log, readyTimeout);
    }

    /** The same with another {@code java} launcher (another JDK for the gateway than the suite's own). */
    public static GatewayProcess start(Path java, Path quarkusRunJar, int port, Map<String, String> settings,
                                       List<String> jvmOptions, Path log, Duration readyTimeout)
            throws IOException, InterruptedException {
        if (!Files.isRegularFile(quarkusRunJar)) {
            throw new IllegalStateException(quarkusRunJar + " is missing: build with ./mvnw -B -pl benchmark -am package -DskipTests");
        }
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(jvmOptions);
        command.add("-Dquarkus.http.port=" + port);
        settings.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(quarkusRunJar.toString());
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        GatewayProcess g = new GatewayProcess(p, port, log);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try {
            await().atMost(readyTimeout).pollInterval(Duration.ofMillis(250))
                    .failFast("the gateway exited", () -> !p.isAlive())
                    .ignoreExceptionsInstanceOf(IOException.class) // not listening yet
                    .until(() -> http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                                    + "/q/health/ready")).timeout(Duration.ofSeconds(2)).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
            return g;
        } catch (TerminalFailureException exited) {
            throw new IllegalStateException("the gateway exited with " + p.exitValue() + "; see " + log, exited);
        } catch (ConditionTimeoutException notReady) {
            g.close();
            throw new IllegalStateException("the gateway was not ready within " + readyTimeout + "; see " + log, notReady);
        }
    }

    public long pid() {
        return process.pid();
    }

    public int port() {
        return port;
    }

    public Path log() {
        return log;
    }

    /** SIGTERM (Quarkus shuts down gracefully, JFR dumps its recording), then SIGKILL after 20 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }
}
