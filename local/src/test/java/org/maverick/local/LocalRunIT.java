package org.maverick.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The README's one command, as a user runs it: the packaged launcher (target/maverick-local.jar) starting
 * the broker, the stand-in and the packaged gateway, a streamed chat request through all three, and the
 * way down: SIGTERM (what Ctrl-C and {@code docker stop} amount to) leaves no process and no open port,
 * and a gateway that cannot start takes the broker and the stand-in with it.
 */
class LocalRunIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration START = Duration.ofSeconds(120);

    private Process launcher;

    @AfterEach
    void killLeftovers() throws InterruptedException {
        if (launcher != null && launcher.isAlive()) {
            launcher.descendants().forEach(ProcessHandle::destroyForcibly);
            launcher.destroyForcibly().waitFor();
        }
    }

    @Test
    void oneCommandRunsBrokerStandInAndGatewayAndSigtermStopsEveryPart() throws Exception {
        int http = freePort();
        int kafka = freePort();
        int standIn = freePort();
        // One -D option on the launcher's JVM and one after the jar: both must reach the gateway.
        launcher = launch("local-run", List.of("-Dgateway.model.id=local-run-model"), "--kafka-port",
                Integer.toString(kafka), "--standin-port", Integer.toString(standIn), "--time-scale", "0.1",
                "-Dquarkus.http.port=" + http);
        String base = "http://127.0.0.1:" + http;
        await().atMost(START).pollInterval(Duration.ofMillis(250))
                .failFast("the launcher exited", () -> !launcher.isAlive())
                .until(() -> status(base + "/q/health/ready") == 200);

        assertTrue(get(base + "/v1/models").contains("\"local-run-model\""), "the launcher's -D reached the gateway");
        Stream s = stream(base, "Tell me about rivers. [standin:length=12]");
        assertEquals(200, s.status());
        assertEquals("[DONE]", s.events().get(s.events().size() - 1));
        assertFalse(s.content().isBlank(), "text streamed: " + s.events());
        assertTrue(s.events().size() >= 4, "several events: " + s.events());
        // Event ids are offsets in Kafka: the local profile's queued mode ran it through the launcher's broker.
        assertFalse(s.ids().isEmpty(), "queued through Kafka (SSE ids): " + s.events());

        List<ProcessHandle> children = launcher.descendants().toList();
        assertEquals(1, children.size(), "the gateway is the launcher's one child: " + children);

        launcher.destroy();
        assertTrue(launcher.waitFor(60, TimeUnit.SECONDS), "the launcher stops on SIGTERM");
        for (ProcessHandle child : children) {
            assertFalse(child.isAlive(), "no child left behind: " + child.pid());
        }
        for (int port : new int[] {http, kafka, standIn}) {
            assertClosed(port);
        }
    }

    @Test
    void aGatewayThatCannotStartStopsTheLauncherWithItsExitCode() throws Exception {
        int kafka = freePort();
        int standIn = freePort();
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            launcher = launch("local-run-port-taken", List.of(), "--kafka-port", Integer.toString(kafka),
                    "--standin-port", Integer.toString(standIn), "-Dquarkus.http.host=127.0.0.1",
                    "-Dquarkus.http.port=" + taken.getLocalPort());
            assertTrue(launcher.waitFor(START.toSeconds(), TimeUnit.SECONDS), "the launcher exits with its gateway");
        }
        assertNotEquals(0, launcher.exitValue());
        assertClosed(kafka);
        assertClosed(standIn);
    }

    private static Process launch(String name, List<String> launcherJvmOptions, String... args) throws IOException {
        String jar = System.getProperty("launcher.jar", "target/maverick-local.jar");
        String gatewayJar = System.getProperty("gateway.jar", "../gateway/target/quarkus-app/quarkus-run.jar");
        assertTrue(Files.isRegularFile(Path.of(jar)), "packaged launcher " + jar + " (run ./mvnw verify)");
        assertTrue(Files.isRegularFile(Path.of(gatewayJar)), "packaged gateway " + gatewayJar);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(launcherJvmOptions);
        command.addAll(List.of("-jar", jar, "--gateway-jar", gatewayJar));
        command.addAll(List.of(args));
        // The gateway starts on 2 shared cores next to the broker: keep its JIT cheap, as the gateway's ITs do.
        command.addAll(List.of("-Xmx384m", "-XX:TieredStopAtLevel=1"));
        Path logs = Files.createDirectories(Path.of("target", "it-logs"));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(logs.resolve(name + ".log").toFile()).start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void assertClosed(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            throw new AssertionError("port " + port + " still accepts connections");
        } catch (ConnectException expected) {
            // nothing listens any more
        } catch (IOException e) {
            throw new AssertionError("port " + port + ": " + e, e);
        }
    }

    private static int status(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException notListeningYet) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    record Stream(int status, List<String> events, List<String> ids) {
        String content() throws IOException {
            ObjectMapper json = new ObjectMapper();
            StringBuilder text = new StringBuilder();
            for (String e : events) {
                if (e.startsWith("{")) {
                    JsonNode chunk = json.readTree(e);
                    text.append(chunk.path("choices").path(0).path("delta").path("content").asText(""));
                }
            }
            return text.toString();
        }
    }

    /** A streamed chat completion as curl -N sees it: every data payload and every event id, in order. */
    private static Stream stream(String base, String prompt) throws Exception {
        String body = "{\"model\":\"local-run-model\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
                + new ObjectMapper().writeValueAsString(prompt) + "}]}";
        HttpResponse<InputStream> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
        List<String> events = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    events.add(line.substring(6));
                } else if (line.startsWith("id: ")) {
                    ids.add(line.substring(4));
                }
            }
        }
        return new Stream(response.statusCode(), events, ids);
    }
}
