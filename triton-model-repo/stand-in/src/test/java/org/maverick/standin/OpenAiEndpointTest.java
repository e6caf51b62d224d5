package org.maverick.standin;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpenAiEndpointTest {

    TritonStandIn standIn;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        standIn = TritonStandIn.builder().port(0).openAiPort(0).timing(Timing.fast()).build().start();
    }

    @AfterEach
    void stop() {
        standIn.close();
    }

    HttpResponse<java.io.InputStream> post(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + standIn.openAiPort() + "/v1/chat/completions"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
    }

    static List<String> dataLines(HttpResponse<java.io.InputStream> r) throws Exception {
        List<String> out = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    out.add(line.substring(6));
                }
            }
        }
        return out;
    }

    static String content(String chunk) {
        int at = chunk.indexOf("\"content\":\"");
        if (at < 0) {
            return "";
        }
        int end = chunk.indexOf("\"}", at);
        return chunk.substring(at + 11, end);
    }

    @Test
    void streamsTheGatewaysChunkFormatRoleFirstThenTextFinishUsageAndDone() throws Exception {
        var r = post("{\"model\":\"llama-4-maverick\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about rivers. [standin:length=15]\"}]}");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        List<String> data = dataLines(r);
        assertTrue(data.get(0).contains("\"delta\":{\"role\":\"assistant\",\"content\":\"\"}"), data.get(0));
        assertEquals("[DONE]", data.get(data.size() - 1));
        String usage = data.get(data.size() - 2);
        assertTrue(usage.contains("\"choices\":[],\"usage\":{\"prompt_tokens\":") && usage.contains("\"completion_tokens\":15"), usage);
        assertTrue(data.get(data.size() - 3).contains("\"finish_reason\":\"stop\""));
        StringBuilder text = new StringBuilder();
        data.subList(1, data.size() - 3).forEach(c -> {
            assertTrue(c.startsWith("{\"id\":\"chatcmpl-") && c.contains("\"object\":\"chat.completion.chunk\""), c);
            text.append(content(c));
        });
        assertEquals(15, text.toString().split("(?=[ ,.!])").length, text.toString());
        assertEquals(1 + 7, data.size() - 4, "one token first, then two per chunk");
        await().atMost(Duration.ofSeconds(1)).until(() -> standIn.counters().finished() == 1);
    }

    @Test
    void samePromptGivesTheSameTextAsTheGrpcPathWithTheGatewaysTemplate() throws Exception {
        String prompt = "Tell me about rivers. [standin:length=12]";
        List<String> data = dataLines(post("{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\""
                + prompt.replace("\"", "\\\"") + "\"}]}"));
        StringBuilder viaHttp = new StringBuilder();
        data.forEach(c -> viaHttp.append(content(c)));
        try (TritonClient grpc = new TritonClient(standIn.port())) {
            var rs = grpc.open().send(TritonClient.llmapi("r", "<|header_start|>user<|header_end|>\n\n" + prompt
                    + "<|eot|><|header_start|>assistant<|header_end|>\n\n", true, 4096, 0).build()).untilFinal();
            assertEquals(TritonClient.text(rs.get(rs.size() - 1), "text_output"), viaHttp.toString());
        }
    }

    @Test
    void stampDirectiveMarksEachChunkAndStopStringsAreNeverSent() throws Exception {
        List<String> data = dataLines(post("{\"model\":\"m\",\"stream\":true,\"stop\":[\" river\", \"xyz\"],\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"[standin:stamp] [standin:length=40]\"}]}"));
        long marked = data.stream().filter(c -> content(c).startsWith("[[ts=")).count();
        assertTrue(marked >= 2, "chunks carry markers: " + data);
        data.forEach(c -> assertFalse(content(c).contains("xyz")));
    }

    @Test
    void nonStreamedAnswerAndErrorsUseOpenAisShapes() throws Exception {
        var whole = post("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi [standin:length=5]\"}]}");
        String body = new String(whole.body().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(200, whole.statusCode());
        assertTrue(body.contains("\"object\":\"chat.completion\"") && body.contains("\"completion_tokens\":5"), body);

        var bad = post("{\"model\":\"m\",\"messages\":[]}");
        assertEquals(400, bad.statusCode());
        assertTrue(new String(bad.body().readAllBytes(), StandardCharsets.UTF_8).contains("\"code\":\"invalid_value\""));

        List<String> failed = dataLines(post("{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"[standin:error_at=3]\"}]}"));
        assertTrue(failed.get(failed.size() - 2).startsWith("{\"error\":{"), failed.toString());
        assertEquals("[DONE]", failed.get(failed.size() - 1));
    }

    @Test
    void clientClosingTheConnectionCancelsTheGeneration() throws Exception {
        var r = post("{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"[standin:itl_ms=200] [standin:length=100]\"}]}");
        r.body().read();
        r.body().close();
        await().atMost(Duration.ofSeconds(5)).until(() -> standIn.counters().cancelled() == 1);
        assertEquals(0, standIn.counters().inFlight());
    }
}
