package org.maverick.benchmark.suite;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A main class of this tree (the stand-in's {@code StandInMain}, the broker's {@code EmbeddedKafkaMain})
 * in its own JVM, on the suite's own class path, its output in a log file: so the load generator, the
 * stand-in, the broker and the gateway each have their own process, JIT, GC and heap.
 */
final class JavaChild implements AutoCloseable {

    private final Process process;
    private final Path log;

    private JavaChild(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code mainClass} and waits until every loopback port accepts a connection. */
    static JavaChild startListening(String mainClass, List<String> jvmOptions, List<String> args, Path log,
                                    List<Integer> ports, Duration timeout) throws IOException, InterruptedException {
        return start(mainClass, jvmOptions, args, log, timeout, () -> ports.stream().allMatch(JavaChild::accepts));
    }

    /** Starts {@code mainClass} and waits until its log matches {@code ready}; returns the child and the match's first group. */
    static JavaChild startLogging(String mainClass, List<String> jvmOptions, List<String> args, Path log, Pattern ready,
                                  Duration timeout, String[] group) throws IOException, InterruptedException {
        return start(mainClass, jvmOptions, args, log, timeout, () -> {
            try {
                Matcher m = ready.matcher(Files.readString(log));
                if (m.find()) {
                    group[0] = m.groupCount() > 0 ? m.group(1) : "";
                    return true;
                }
                return false;
            } catch (IOException e) {
                return false;
            }
        });
    }

    static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static JavaChild start(String mainClass, List<String> jvmOptions, List<String> args, Path log,
                                   Duration timeout, BooleanSupplier ready) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        Files.createDirectories(log.toAbsolutePath().getParent());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        JavaChild child = new JavaChild(p, log);
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroy, "stop-" + mainClass)); // the suite stopped (Ctrl-C)
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException(mainClass + " exited with " + p.exitValue() + "; see " + log);
            }
            if (ready.getAsBoolean()) {
                return child;
            }
            Thread.sleep(100);
        }
        child.close();
        throw new IllegalStateException(mainClass + " was not ready within " + timeout + "; see " + log);
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    /** SIGTERM (the mains' shutdown hooks close the servers), then SIGKILL after 20 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }
}
