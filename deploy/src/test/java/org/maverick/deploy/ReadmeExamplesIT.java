package org.maverick.deploy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The README's curl examples, run as written (with bash and curl, as a reader would) against the local
 * run started with the README's own run command, after the whole build has packaged it. The sample
 * output printed under each example must have the shape of what the example prints: which events
 * carry an {@code id:}, where the role, stop and usage chunks are, and {@code [DONE]} last.
 *
 * <p>The run command is read from one place, the README's "The two commands" (the part after the
 * build), so a change of that command is tested here as soon as it is written there. Only the ports
 * are changed, so that a local run already listening on this machine does not collide with the test.
 */
class ReadmeExamplesIT {

    static final Path ROOT = Rendered.ROOT;
    static final Path README = ROOT.resolve("README.md");
    static final Path WORK = ROOT.resolve("deploy/target/readme-examples");
    static final String EXAMPLE_HOST = "localhost:8080";

    static Process gateway;
    static int httpPort;

    /** A fenced code block of the README: its language tag and text. */
    record Block(String language, String text) {
    }

    static List<Block> blocks(String markdown) {
        List<Block> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("(?ms)^```(\\w*)\\n(.*?)^```\\s*$").matcher(markdown);
        while (m.find()) {
            blocks.add(new Block(m.group(1), m.group(2)));
        }
        return blocks;
    }

    /** The local run's command: "The two commands"' first bash block, the part after the build. */
    static String runCommand() throws IOException {
        String readme = Files.readString(README);
        int section = readme.indexOf("\n## The two commands");
        assertTrue(section >= 0, "README has no section \"The two commands\"");
        Block run = blocks(readme.substring(section)).stream().filter(b -> b.language().equals("bash")).findFirst()
                .orElseThrow(() -> new AssertionError("\"The two commands\" has no bash block"));
        String oneLine = run.text().replace("\\\n", " ").strip();
        String[] steps = oneLine.split("&&");
        String command = steps[steps.length - 1].strip();
        assertTrue(command.startsWith("java "), "the run command's last step starts a JVM: " + oneLine);
        return command;
    }

    /** The first bash block containing {@code marker}, and the output block printed right after it. */
    static Block[] example(String marker) throws IOException {
        List<Block> blocks = blocks(Files.readString(README));
        for (int i = 0; i < blocks.size() - 1; i++) {
            if (blocks.get(i).language().equals("bash") && blocks.get(i).text().contains(marker)) {
                assertEquals("", blocks.get(i + 1).language(), "the block after the example is its output");
                return new Block[]{blocks.get(i), blocks.get(i + 1)};
            }
        }
        throw new AssertionError("README has no bash example containing " + marker + " (this test runs it)");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @BeforeAll
    static void startTheLocalRun() throws Exception {
        assertEquals(0, new ProcessBuilder("bash", "-c", "command -v curl").start().waitFor(),
                "the README's examples need curl (apt-get install curl)");
        Files.createDirectories(WORK);
        httpPort = freePort();
        int kafka = freePort();
        int triton = freePort();
        // The local run's fixed ports (8080, 9092, 8001), moved to free ones; HTTP on loopback only. The
        // launcher hands -D options to the gateway and tells it where its broker and stand-in are.
        String gatewayOptions = String.join(" ", "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + httpPort);
        String command = runCommand().replaceFirst("^java ", "java " + gatewayOptions + " ")
                + " --kafka-port " + kafka + " --standin-port " + triton;
        Path log = WORK.resolve("gateway.log");
        // exec: the JVM replaces bash, so destroying this process stops the gateway itself.
        gateway = new ProcessBuilder("bash", "-c", "exec " + command).directory(ROOT.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (true) {
            if (!gateway.isAlive()) {
                fail("the local run exited (" + gateway.exitValue() + "): " + command + "\n" + tail(log));
            }
            try {
                HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException notListeningYet) {
                // the gateway is still starting
            }
            if (System.nanoTime() > deadline) {
                fail("the local run was not ready within 180 s: " + command + "\n" + tail(log));
            }
            Thread.sleep(500);
        }
    }

    @AfterAll
    static void stopTheLocalRun() throws InterruptedException {
        if (gateway != null) {
            gateway.descendants().forEach(ProcessHandle::destroy);
            gateway.destroy();
            if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
                gateway.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    static String tail(Path log) throws IOException {
        String text = Files.exists(log) ? Files.readString(log) : "";
        return text.substring(Math.max(0, text.length() - 4000));
    }

    /** Runs a README script with bash in the examples' work folder, against this run's port. */
    static String bash(String script) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", script.replace(EXAMPLE_HOST, "localhost:" + httpPort))
                .directory(WORK.toFile()).redirectError(WORK.resolve("examples.stderr").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the example finished");
        assertEquals(0, p.exitValue(), "the example failed:\n" + script + "\n" + out);
        return out;
    }

    /** One SSE event as the shape compares it: its kind and whether it has an id. */
    static final Pattern CONTENT = Pattern.compile("\"delta\":\\{\"content\":\"((?:[^\"\\\\]|\\\\.)*)\"");

    /**
     * The shape of a stream or of a sample of one: R (role chunk), T (text), S (finish chunk), U (usage),
     * D ({@code [DONE]}), each followed by # when the event has an id; runs of the same symbol count
     * once, and a sample's "…" lines stand for events left out.
     */
    static List<String> shape(String sse) {
        List<String> shape = new ArrayList<>();
        boolean id = false;
        for (String line : sse.split("\n")) {
            if (line.startsWith("id:")) {
                id = true;
            } else if (line.startsWith("data: ")) {
                String data = line.substring(6);
                String kind = data.equals("[DONE]") ? "D"
                        : data.contains("\"role\":\"assistant\"") ? "R"
                        : data.contains("\"usage\":{") ? "U"
                        : data.matches(".*\"finish_reason\":\"(stop|length)\".*") ? "S" : "T";
                String symbol = kind + (id ? "#" : "");
                if (shape.isEmpty() || !shape.get(shape.size() - 1).equals(symbol)) {
                    shape.add(symbol);
                }
                id = false;
            }
        }
        return shape;
    }

    static List<Long> ids(String sse) {
        List<Long> ids = new ArrayList<>();
        for (String line : sse.split("\n")) {
            if (line.startsWith("id: ")) {
                ids.add(Long.parseLong(line.substring(4).strip()));
            }
        }
        return ids;
    }

    /** The streamed text, as the JSON strings carry it (escapes kept: equal text, equal escapes). */
    static String text(String sse) {
        StringBuilder text = new StringBuilder();
        Matcher m = CONTENT.matcher(sse);
        while (m.find()) {
            text.append(m.group(1));
        }
        return text.toString();
    }

    @Test
    void theBackgroundExamplePicksUpTheStreamAndReadsTheStoredResponse() throws Exception {
        Block[] example = example("\"background\":true");
        String out = bash(example[0].text());
        List<String> events = out.lines().filter(l -> l.startsWith("event: ")).toList();
        assertEquals("event: response.in_progress", events.get(0), "starting_after=1 leaves out created and queued:\n"
                + out);
        assertEquals("event: response.completed", events.get(events.size() - 1), out);
        assertTrue(out.contains("\"sequence_number\":2}"), out);
        List<String> json = out.lines().filter(l -> l.startsWith("{\"id\":\"resp_")).toList();
        assertEquals(2, json.size(), "the stored response, then cancel's answer:\n" + out);
        for (String response : json) {
            assertTrue(response.contains("\"status\":\"completed\"") && response.contains("\"background\":true"),
                    response);
        }
        for (String sampled : List.of("event: response.in_progress", "event: response.completed", "\"store\":true")) {
            assertTrue(example[1].text().contains(sampled), "the sample shows " + sampled);
        }
    }

    @Test
    void theStreamingExamplePrintsWhatItsSampleShows() throws Exception {
        Block[] example = example("include_usage");
        String out = bash(example[0].text());
        assertEquals(shape(example[1].text()), shape(out), "README's sample against the real output:\n" + out);
        assertEquals(List.of("R", "T#", "S#", "U", "D"), shape(out),
                "the local run is queued: every event that came through Kafka has an id");
        assertFalse(text(out).isEmpty());
    }

    @Test
    void theResumeExampleContinuesFromTheLastIdSeenWithNothingMissingAndNothingTwice() throws Exception {
        Block[] drop = example("-D headers.txt");
        Block[] resume = example("Last-Event-ID");
        String mark = "=== resumed ===";
        // One shell, as a reader types them: the second block uses the variables the first one set.
        String out = bash(drop[0].text() + "\necho '" + mark + "'\n" + resume[0].text());
        String head = out.substring(0, out.indexOf(mark));
        String rest = out.substring(out.indexOf(mark) + mark.length());
        assertEquals(shape(drop[1].text()), shape(head), "the sample of the dropped stream:\n" + head);
        assertEquals(shape(resume[1].text()), shape(rest), "the sample of the resumed stream:\n" + rest);

        long last = ids(head).get(ids(head).size() - 1);
        List<Long> resumed = ids(rest);
        assertTrue(resumed.get(0) > last, "resumed after the last id seen (" + last + "): " + resumed);
        for (int i = 1; i < resumed.size(); i++) {
            assertTrue(resumed.get(i) > resumed.get(i - 1), "no event twice: " + resumed);
        }

        // The same request once more, uncut: the stand-in's text is the same for the same prompt.
        Matcher body = Pattern.compile("-d '([^']*)'").matcher(drop[0].text());
        assertTrue(body.find(), "the example sends a body");
        HttpResponse<String> uncut = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + httpPort + "/v1/chat/completions"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body.group(1))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, uncut.statusCode(), uncut.body());
        assertEquals(text(uncut.body()), text(head) + text(rest), "the text of one uncut stream");
    }
}
