package org.maverick.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;
import org.maverick.gateway.support.WsClient;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input over real HTTP (and the WebSocket): each is answered with its status and OpenAI's error
 * JSON, {@code param} naming the field where there is one, no Java class name in the message, and the
 * server answers the next request. Decisions: types are strict as OpenAI's ({@code "stream":"true"},
 * a number for a string, a fraction for an integer: 400 {@code invalid_type} naming the field); an
 * integer beyond its type's range is 400 {@code invalid_value}; invalid UTF-8 bytes are 400
 * {@code invalid_json} naming the field; a lone surrogate escape ({@code "\\ud800"}) is 400
 * {@code invalid_value} naming the field; nesting deeper than Jackson's 1000 levels is 400
 * {@code invalid_json}; unknown fields and empty content are accepted, as OpenAI does.
 * Then 300 generated bodies ({@link ChatBodies}, a fixed seed) over HTTP: each a 200 or a well-formed 4xx.
 */
@QuarkusTest
@QuarkusTestResource(StandInResource.class)
class BadInputTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String MODEL = "\"model\":\"llama-4-maverick\"";
    private static final long FUZZ_SEED = 20260426L;

    @TestHTTPResource
    URL base;

    private String url() {
        return base.toString().replaceAll("/$", "");
    }

    private HttpResponse<String> post(String path, byte[] body, String contentType) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30))
                .header("content-type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The error object, after checking the status, the shape and that no class name leaks. */
    private static JsonNode refused(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"), r.body());
        JsonNode error = Sse.JSON.readTree(r.body()).path("error");
        for (String field : List.of("message", "type", "param", "code")) {
            assertTrue(error.has(field), field + " missing: " + r.body());
        }
        String message = error.path("message").asText();
        for (String leak : List.of("java.", "com.fasterxml", "org.maverick", "Exception", "`")) {
            assertFalse(message.contains(leak), "'" + leak + "' in " + message);
        }
        return error;
    }

    private JsonNode refused(String path, String body, int status) throws Exception {
        return refused(post(path, body.getBytes(StandardCharsets.UTF_8), "application/json"), status);
    }

    /** After every bad input the gateway still streams an answer. */
    @AfterEach
    void stillServes() throws Exception {
        HttpResponse<String> r = Sse.post(url(), "/v1/chat/completions", Sse.chat("still there? [standin:length=2]",
                "\"max_tokens\":2"));
        assertEquals(200, r.statusCode(), r.body());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "truncated body | {\"model\":\"llama-4-maverick\",\"messages\":[ | 400 | messages | invalid_json",
            "JSON null body | null | 400 |  | invalid_type",
            "array body | [] | 400 |  | invalid_type",
            "string body | \"text\" | 400 |  | invalid_type",
            "trailing garbage | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} x | 400 |  | invalid_json",
            "model a number | {\"model\":42,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} | 400 | model | invalid_type",
            "model null | {\"model\":null,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} | 400 | model | missing_required_parameter",
            "messages null | {\"model\":\"llama-4-maverick\",\"messages\":null} | 400 | messages | missing_required_parameter",
            "message null | {\"model\":\"llama-4-maverick\",\"messages\":[null]} | 400 | messages[0] | invalid_value",
            "message a number | {\"model\":\"llama-4-maverick\",\"messages\":[1]} | 400 | messages[0] | invalid_type",
            "role a number | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":1,\"content\":\"hi\"}]} | 400 | messages[0].role | invalid_type",
            "content null | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":null}]} | 400 | messages[0].content | missing_required_parameter",
            "name a number | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"name\":7}]} | 400 | messages[0].name | invalid_type",
            "text part a number | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":7}]}]} | 400 | messages[0].content[0].text | invalid_type",
            "max_tokens 1e30 | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1e30} | 400 | max_tokens | invalid_type",
            "max_tokens a fraction | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1.5} | 400 | max_tokens | invalid_type",
            "max_tokens a string | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":\"100\"} | 400 | max_tokens | invalid_type",
            "max_tokens 2^70 | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1180591620717411303424} | 400 | max_tokens | invalid_value",
            "max_tokens negative | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":-5} | 400 | max_tokens | invalid_value",
            "max_completion_tokens a string | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_completion_tokens\":\"5\"} | 400 | max_completion_tokens | invalid_type",
            "temperature -1e308 | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":-1e308} | 400 | temperature | invalid_value",
            "temperature 1e400 | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":1e400} | 400 | temperature | invalid_value",
            "temperature a string | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":\"0.5\"} | 400 | temperature | invalid_type",
            "top_p a string | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"top_p\":\"x\"} | 400 | top_p | invalid_type",
            "top_p above one | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"top_p\":1.01} | 400 | top_p | invalid_value",
            "seed 2^70 | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"seed\":1180591620717411303424} | 400 | seed | invalid_value",
            "seed a fraction | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"seed\":1.5} | 400 | seed | invalid_type",
            "seed a string | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"seed\":\"1\"} | 400 | seed | invalid_type",
            "n a string | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":\"1\"} | 400 | n | invalid_type",
            "stream a string | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":\"true\"} | 400 | stream | invalid_type",
            "stream a number | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":1} | 400 | stream | invalid_type",
            "stream_options a string | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true,\"stream_options\":\"x\"} | 400 | stream_options | invalid_type",
            "include_usage a string | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true,\"stream_options\":{\"include_usage\":\"true\"}} | 400 | stream_options.include_usage | invalid_type",
            "user a number | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"user\":5} | 400 | user | invalid_type",
            "presence_penalty a string | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"presence_penalty\":\"1\"} | 400 | presence_penalty | invalid_type",
            "frequency_penalty 1e30 | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"frequency_penalty\":1e30} | 400 | frequency_penalty | invalid_value",
            "logprobs a string | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"logprobs\":\"true\"} | 400 | logprobs | invalid_type",
            "top_logprobs a string | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"top_logprobs\":\"2\"} | 400 | top_logprobs | invalid_type",
            "parallel_tool_calls a string | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"parallel_tool_calls\":\"yes\"} | 400 | parallel_tool_calls | invalid_type",
            "modalities a string | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"modalities\":\"text\"} | 400 | modalities | invalid_type",
            "modality a number | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"modalities\":[1]} | 400 | modalities[0] | invalid_type",
            "stop a number | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stop\":5} | 400 | stop | invalid_type",
            "lone surrogate in content | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"a\\ud800b\"}]} | 400 | messages[0].content | invalid_value",
            "lone surrogate in stop | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stop\":\"\\udc00\"} | 400 | stop | invalid_value",
            "number of 2000 digits | {\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"seed\":99999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999} | 400 |  | invalid_json",

    })
    void chatBadInput(String name, String body, int status, String param, String code) throws Exception {
        JsonNode error = refused("/v1/chat/completions", body, status);
        assertEquals(code, error.path("code").asText(), name);
        assertFalse(error.path("message").asText().contains("Source:"), error.toString());
        if (param == null) {
            assertTrue(error.path("param").isNull(), error.toString());
        } else {
            assertEquals(param, error.path("param").asText(), error.toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "model a number | {\"model\":42,\"prompt\":\"a\"} | 400 | model | invalid_type",
            "prompt a number | {\"model\":\"llama-4-maverick\",\"prompt\":42} | 400 | prompt | invalid_type",
            "prompt empty | {\"model\":\"llama-4-maverick\",\"prompt\":\"\"} | 400 | prompt | invalid_value",
            "max_tokens a string | {\"model\":\"llama-4-maverick\",\"prompt\":\"a\",\"max_tokens\":\"1\"} | 400 | max_tokens | invalid_type",
            "max_tokens 1e30 | {\"model\":\"llama-4-maverick\",\"prompt\":\"a\",\"max_tokens\":1e30} | 400 | max_tokens | invalid_type",
            "echo a string | {\"model\":\"llama-4-maverick\",\"prompt\":\"a\",\"echo\":\"true\"} | 400 | echo | invalid_type",
            "suffix a number | {\"model\":\"llama-4-maverick\",\"prompt\":\"a\",\"suffix\":5} | 400 | suffix | invalid_type",
            "best_of a fraction | {\"model\":\"llama-4-maverick\",\"prompt\":\"a\",\"best_of\":1.5} | 400 | best_of | invalid_type",
            "logprobs a string | {\"model\":\"llama-4-maverick\",\"prompt\":\"a\",\"logprobs\":\"1\"} | 400 | logprobs | invalid_type",
            "stream a string | {\"model\":\"llama-4-maverick\",\"prompt\":\"a\",\"stream\":\"true\"} | 400 | stream | invalid_type",
            "seed 2^70 | {\"model\":\"llama-4-maverick\",\"prompt\":\"a\",\"seed\":1180591620717411303424} | 400 | seed | invalid_value",
            "temperature a string | {\"model\":\"llama-4-maverick\",\"prompt\":\"a\",\"temperature\":\"1\"} | 400 | temperature | invalid_type",
            "user a boolean | {\"model\":\"llama-4-maverick\",\"prompt\":\"a\",\"user\":true} | 400 | user | invalid_type",
            "lone surrogate in prompt | {\"model\":\"llama-4-maverick\",\"prompt\":\"\\ud800\"} | 400 | prompt | invalid_value",
    })
    void completionBadInput(String name, String body, int status, String param, String code) throws Exception {
        JsonNode error = refused("/v1/completions", body, status);
        assertEquals(code, error.path("code").asText(), name);
        assertEquals(param, error.path("param").asText(), error.toString());
    }

    @Test
    void whitespaceBodyIsInvalidJson() throws Exception {
        assertEquals("invalid_json", refused("/v1/chat/completions", "  \n ", 400).path("code").asText());
    }

    @Test
    void invalidUtf8BytesAreInvalidJsonNamingTheField() throws Exception {
        byte[] head = ("{" + MODEL + ",\"messages\":[{\"role\":\"user\",\"content\":\"ab").getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\"}]}".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[head.length + 2 + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        body[head.length] = (byte) 0xC3;
        body[head.length + 1] = 0x28;
        System.arraycopy(tail, 0, body, head.length + 2, tail.length);
        JsonNode error = refused(post("/v1/chat/completions", body, "application/json"), 400);
        assertEquals("invalid_json", error.path("code").asText());
        assertEquals("messages[0].content", error.path("param").asText(), error.toString());
        assertTrue(error.path("message").asText().contains("UTF-8"), error.toString());
    }

    @Test
    void hundredThousandNestedArraysInAnUnknownFieldAreA400() throws Exception {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        JsonNode error = refused("/v1/chat/completions", Sse.chat("hi", "\"extra\":" + deep), 400);
        assertEquals("invalid_json", error.path("code").asText());
        assertTrue(error.path("message").asText().contains("1000 levels"), error.toString());
    }

    @Test
    void nestingPastTheLimitInAKnownFieldIsA400() throws Exception {
        String deep = "[".repeat(1001) + "]".repeat(1001);
        assertEquals("invalid_json", refused("/v1/chat/completions", Sse.chat("hi", "\"stop\":" + deep), 400)
                .path("code").asText());
    }

    @Test
    void tenThousandMessagesAreRefusedNamingTheLimit() throws Exception {
        StringBuilder b = new StringBuilder("{" + MODEL + ",\"messages\":[");
        for (int i = 0; i < 10_000; i++) {
            b.append(i == 0 ? "" : ",").append("{\"role\":\"user\",\"content\":\"m\"}");
        }
        JsonNode error = refused("/v1/chat/completions", b.append("]}").toString(), 400);
        assertEquals("too_many_messages", error.path("code").asText());
        assertEquals("messages", error.path("param").asText());
        assertTrue(error.path("message").asText().contains("2048"), error.toString());
    }

    @Test
    void aThreeMegabyteMessageIsOverTheContext() throws Exception {
        String text = "word ".repeat(600_000); // 3 MB: under the 4 MiB body limit, far over 131072 tokens
        JsonNode error = refused("/v1/chat/completions", Sse.chat(text, ""), 400);
        assertEquals("context_length_exceeded", error.path("code").asText());
        assertEquals("messages", error.path("param").asText());
    }

    @Test
    void aTenMegabyteBodyIs413() throws Exception {
        HttpResponse<String> r;
        try {
            r = post("/v1/chat/completions", Sse.chat("x".repeat(10 * 1024 * 1024), "")
                    .getBytes(StandardCharsets.UTF_8), "application/json");
        } catch (java.io.IOException closedWhileSending) {
            return; // the gateway answered 413 and closed before the client finished sending: also a refusal
        }
        assertEquals("request_too_large", refused(r, 413).path("code").asText());
    }

    @Test
    void textPlainIsRefusedNamingContentType() throws Exception {
        JsonNode error = refused(post("/v1/chat/completions", Sse.chat("hi", "").getBytes(StandardCharsets.UTF_8),
                "text/plain"), 400);
        assertEquals("Content-Type", error.path("param").asText());
        assertEquals("invalid_content_type", error.path("code").asText());
    }

    @Test
    void emptyContentAndUnknownFieldsAreAccepted() throws Exception {
        HttpResponse<String> r = Sse.post(url(), "/v1/chat/completions", "{" + MODEL + ",\"max_tokens\":2,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"\",\"extra\":1}],\"future\":{\"a\":[1]}}");
        assertEquals(200, r.statusCode(), r.body());
    }

    @Test
    void badCreateRequestsOverTheWebSocketNameTheFieldAndLeaveItUsable() throws Exception {
        try (WsClient ws = WsClient.connect(base)) {
            Map<String, String[]> cases = Map.of(
                    "w1", new String[] {"{" + MODEL + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                            + "\"max_tokens\":1e30}", "max_tokens", "invalid_type"},
                    "w2", new String[] {"{" + MODEL + ",\"messages\":[{\"role\":\"user\",\"content\":7}]}",
                            "messages[0].content", "invalid_type"},
                    "w3", new String[] {"{" + MODEL + ",\"messages\":[{\"role\":\"user\",\"content\":\"\\ud800\"}]}",
                            "messages[0].content", "invalid_value"},
                    "w4", new String[] {"{" + MODEL + ",\"seed\":1180591620717411303424,\"messages\":[{\"role\":"
                            + "\"user\",\"content\":\"hi\"}]}", "seed", "invalid_value"},
                    "w5", new String[] {"{\"model\":7,\"messages\":[]}", "model", "invalid_type"});
            for (var c : cases.entrySet()) {
                ws.send("{\"type\":\"create\",\"id\":\"" + c.getKey() + "\",\"request\":" + c.getValue()[0] + "}");
                JsonNode error = ws.awaitEvent("error", c.getKey()).path("error");
                assertEquals(c.getValue()[1], error.path("param").asText(), error.toString());
                assertEquals(c.getValue()[2], error.path("code").asText(), error.toString());
                assertFalse(error.path("message").asText().contains("`"), error.toString());
            }
            ws.send("{\"type\":\"create\",\"id\":\"deep\",\"request\":{\"x\":" + "[".repeat(5000)
                    + "]".repeat(5000) + "}}");
            JsonNode deep = ws.awaitEvent("error", null).path("error");
            assertEquals("invalid_json", deep.path("code").asText(), deep.toString());
            assertTrue(deep.path("message").asText().contains("1000 levels"), deep.toString());

            ws.create("ok", "Still usable [standin:length=3]");
            assertEquals("stop", ws.awaitEvent("done", "ok").path("finish_reason").asText());
        }
    }

    /**
     * 300 generated bodies (the parser fuzz's seeded generator, seed {@value #FUZZ_SEED}) against the
     * running gateway, four at a time: each a 200 or a 400/404/413 in OpenAI's shape, never a 5xx or a
     * hang (60 s per answer at most). A failure names the body's index: {@code ChatBodies.body(seed, index)}.
     */
    @Test
    void generatedBodiesOverHttpAreAnsweredOrRefusedCleanly() throws Exception {
        int count = 300;
        List<ChatBodies.Body> sample = ChatBodies.bodies(FUZZ_SEED).limit(count).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        Map<Integer, Integer> statuses = new TreeMap<>();
        long t0 = System.nanoTime();
        try {
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (ChatBodies.Body b : sample) {
                answers.add(pool.submit(() -> post("/v1/chat/completions", b.bytes(), "application/json")));
            }
            for (int i = 0; i < count; i++) {
                HttpResponse<String> r = answers.get(i).get(60, TimeUnit.SECONDS);
                ChatBodies.Body b = sample.get(i);
                statuses.merge(r.statusCode(), 1, Integer::sum);
                if (r.statusCode() != 200) {
                    String which = "seed " + FUZZ_SEED + ", body #" + i + ": " + b;
                    assertTrue(List.of(400, 404, 413).contains(r.statusCode()), r.statusCode() + " " + r.body()
                            + " for " + which);
                    assertEquals("invalid_request_error", refused(r, r.statusCode()).path("type").asText(), which);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("BadInputTest: %d generated bodies over HTTP in %d ms, statuses %s%n", count,
                (System.nanoTime() - t0) / 1_000_000, statuses);
    }
}
