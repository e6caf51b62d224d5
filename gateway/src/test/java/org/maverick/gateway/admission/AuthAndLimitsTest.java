package org.maverick.gateway.admission;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;

import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** API keys per tenant, tenant limits, instance capacity, tickets for browsers, CORS. */
@QuarkusTest
@TestProfile(AuthAndLimitsTest.Keys.class)
@QuarkusTestResource(StandInResource.class)
class AuthAndLimitsTest {

    /** key-a → tenant "alpha" (2 concurrent, 5000 tokens/min); key-b and key-b-rotated → tenant "beta". */
    public static class Keys implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("gateway.auth.enabled", "true"),
                    Map.entry("gateway.auth.tenants.alpha.key-sha256",
                            "f10f781241e2246678b6b45c857069208152a53863e47fac33f607ab405006f4"),
                    Map.entry("gateway.auth.tenants.alpha.max-concurrent", "2"),
                    Map.entry("gateway.auth.tenants.alpha.tokens-per-minute", "5000"),
                    Map.entry("gateway.auth.tenants.beta.key-sha256",
                            "a30534a53b23547377ddccbd1ac85a8a84c13db43493c16e55a6abc7b0eba634,"
                                    + "614a8493387c121d2f0e520a6540d1d8220becc6d91a180a4c085f248244a24d"),
                    Map.entry("gateway.auth.tenants.beta.max-concurrent", "50"),
                    Map.entry("gateway.admission.max-in-flight", "3"),
                    Map.entry("gateway.admission.max-waiting", "2"),
                    Map.entry("gateway.admission.max-wait", "3s"),
                    Map.entry("quarkus.http.cors.enabled", "true"),
                    Map.entry("quarkus.http.cors.origins", "https://chat.example.com"));
        }
    }

    @TestHTTPResource
    URL base;

    private String url() {
        return base.toString().replaceAll("/$", "");
    }

    private HttpResponse<String> chat(String key, String content, String extra) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + "/v1/chat/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Sse.chat(content, extra)));
        if (key != null) {
            b.header("authorization", "Bearer " + key);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Opens a slow stream and returns once its first token arrived (the slot is held until closed). */
    private HttpResponse<InputStream> hold(String key) throws Exception {
        HttpResponse<InputStream> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(url() + "/v1/chat/completions")).header("content-type", "application/json")
                .header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(Sse.chat("hold [standin:itl_ms=100] [standin:length=400]",
                        "\"stream\":true,\"max_tokens\":500"))).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        r.body().read(new byte[16]);
        return r;
    }

    /** Direct requests waiting for a slot, as the gateway's metrics endpoint reports them. */
    private double waitingForASlot() throws Exception {
        String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url() + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        for (String line : scrape.split("\n")) {
            if (line.startsWith("maverick_gateway_admission_waiting ") || line.startsWith("maverick_gateway_admission_waiting{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no maverick_gateway_admission_waiting in /q/metrics");
    }

    private static JsonNode error(HttpResponse<String> r) throws Exception {
        return Sse.JSON.readTree(r.body()).path("error");
    }

    @Test
    void missingOrWrongKeyIs401AndNeverEchoesTheKey() throws Exception {
        HttpResponse<String> missing = chat(null, "hi", "");
        assertEquals(401, missing.statusCode());
        assertEquals("invalid_api_key", error(missing).path("code").asText());
        HttpResponse<String> wrong = chat("sk-not-a-key-12345", "hi", "");
        assertEquals(401, wrong.statusCode());
        assertTrue(!wrong.body().contains("sk-not-a-key-12345"), "the key is not echoed");
        HttpResponse<String> models = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url()
                + "/v1/models")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, models.statusCode());
        assertEquals(200, chat("key-a", "hi [standin:length=3]", "").statusCode());
        assertEquals(200, chat("key-b-rotated", "hi [standin:length=3]", "").statusCode(), "a tenant may have several keys");
    }

    /** One authentication step in front of every route; the resume URL's signed token is its own credential. */
    @Test
    void everyRouteButTheResumeUrlAsksForAKey() throws Exception {
        String[][] routes = {
                {"POST", "/v1/chat/completions", "chatcmpl-"},
                {"POST", "/v1/completions", "cmpl-"},
                {"POST", "/v1/requests/chatcmpl-abc/cancel", "chatcmpl-abc"},
                {"POST", "/v1/realtime/tickets", "-"},
                {"GET", "/v1/models", "-"},
                {"GET", "/v1/models/llama-4-maverick", "-"}};
        for (String[] route : routes) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(url() + route[1])).header("content-type", "application/json")
                    .method(route[0], route[0].equals("GET") ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(Sse.chat("hi", ""))).build(),
                    HttpResponse.BodyHandlers.ofString());
            String name = route[0] + " " + route[1];
            assertEquals(401, r.statusCode(), name);
            assertEquals("invalid_api_key", error(r).path("code").asText(), name);
            assertEquals("invalid_request_error", error(r).path("type").asText(), name);
            String requestId = r.headers().firstValue("x-request-id").orElse("");
            assertTrue(route[2].equals("-") ? requestId.equals("-") : requestId.startsWith(route[2]),
                    name + " names the refused request: " + requestId);
        }
        HttpResponse<String> model = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url()
                + "/v1/models/llama-4-maverick")).header("authorization", "Bearer key-a").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, model.statusCode(), model.body());
        HttpResponse<String> resume = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url()
                + "/v1/streams/not-a-token")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, resume.statusCode(), "judged by its token, not a key: " + resume.body());
    }

    @Test
    void aTenantOverItsConcurrencyGets429NamingTheLimit() throws Exception {
        List<HttpResponse<InputStream>> held = new ArrayList<>();
        try {
            held.add(hold("key-a"));
            held.add(hold("key-a"));
            HttpResponse<String> third = chat("key-a", "hi", "\"stream\":true");
            assertEquals(429, third.statusCode(), third.body());
            assertTrue(third.headers().firstValue("retry-after").isPresent());
            assertTrue(error(third).path("message").asText().contains("max-concurrent"), third.body());
            assertEquals("rate_limit_exceeded", error(third).path("code").asText());
            assertEquals(200, chat("key-b", "other tenant [standin:length=3]", "").statusCode(),
                    "another tenant is not affected");
        } finally {
            for (var r : held) {
                r.body().close();
            }
        }
    }

    @Test
    void aTenantOverItsTokenBudgetGets429WithRetryAfter() throws Exception {
        HttpResponse<String> tooBig = chat("key-a", "hi", "\"max_tokens\":6000");
        assertEquals(429, tooBig.statusCode(), tooBig.body());
        assertTrue(error(tooBig).path("message").asText().contains("tokens-per-minute"), tooBig.body());
        assertEquals("tokens", error(tooBig).path("type").asText());
    }

    @Test
    void pastCapacityAndItsBoundedQueueIs429AtOnce() throws Exception {
        List<HttpResponse<InputStream>> held = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                held.add(hold("key-b"));
            }
            for (int i = 0; i < 2; i++) {
                waiting.add(HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(URI.create(url()
                                + "/v1/chat/completions")).header("content-type", "application/json")
                        .header("authorization", "Bearer key-b")
                        .POST(HttpRequest.BodyPublishers.ofString(Sse.chat("waits [standin:length=3]", ""))).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> waitingForASlot() == 2);
            long t0 = System.nanoTime();
            HttpResponse<String> refused = chat("key-b", "too many", "");
            assertEquals(429, refused.statusCode(), refused.body());
            assertEquals("capacity_exceeded", error(refused).path("code").asText());
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 2000, "refused at once");
            held.remove(0).body().close(); // a slot frees up: the first waiter runs
            assertEquals(200, waiting.get(0).get(10, TimeUnit.SECONDS).statusCode());
        } finally {
            for (var r : held) {
                r.body().close();
            }
            for (var w : waiting) {
                w.get(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void browsersUseATicketOnTheWebSocket() throws Exception {
        HttpResponse<String> t = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url()
                + "/v1/realtime/tickets")).header("authorization", "Bearer key-b").POST(HttpRequest.BodyPublishers
                .noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, t.statusCode(), t.body());
        String ticket = Sse.JSON.readTree(t.body()).path("ticket").asText();
        String ws = url().replace("http", "ws") + "/v1/realtime/chat";

        LinkedBlockingQueue<String> withTicket = new LinkedBlockingQueue<>();
        WebSocket a = connect(ws + "?ticket=" + ticket, withTicket);
        a.sendText("{\"type\":\"create\",\"id\":\"c1\",\"request\":{\"model\":\"llama-4-maverick\",\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"hi [standin:length=3]\"}]}}", true);
        assertTrue(awaitType(withTicket, "done"), "a ticket authenticates the socket");
        a.abort();

        LinkedBlockingQueue<String> anonymous = new LinkedBlockingQueue<>();
        WebSocket b = connect(ws, anonymous);
        b.sendText("{\"type\":\"create\",\"id\":\"c1\",\"request\":{\"model\":\"llama-4-maverick\",\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"hi\"}]}}", true);
        String refused = anonymous.poll(5, TimeUnit.SECONDS);
        assertNotNull(refused);
        assertTrue(refused.contains("invalid_api_key"), refused);
        b.sendText("{\"type\":\"auth\",\"api_key\":\"key-a\"}", true);
        assertTrue(awaitType(anonymous, "authenticated"));
        b.sendText("{\"type\":\"create\",\"id\":\"c2\",\"request\":{\"model\":\"llama-4-maverick\",\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"hi [standin:length=3]\"}]}}", true);
        assertTrue(awaitType(anonymous, "done"), "the first-message key authenticates the socket");
        b.abort();
    }

    private static boolean awaitType(LinkedBlockingQueue<String> messages, String type) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            String m = messages.poll(200, TimeUnit.MILLISECONDS);
            if (m != null && m.contains("\"type\":\"" + type + "\"")) {
                return true;
            }
        }
        return false;
    }

    private static WebSocket connect(String uri, LinkedBlockingQueue<String> into) throws Exception {
        return HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create(uri), new WebSocket.Listener() {
            final StringBuilder part = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                part.append(data);
                if (last) {
                    into.add(part.toString());
                    part.setLength(0);
                }
                webSocket.request(1);
                return null;
            }
        }).get(5, TimeUnit.SECONDS);
    }

    @Test
    void corsAllowsTheConfiguredOrigin() throws Exception {
        HttpResponse<String> preflight = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url()
                        + "/v1/chat/completions")).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://chat.example.com").header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("https://chat.example.com", preflight.headers().firstValue("access-control-allow-origin")
                .orElse(""), preflight.headers().map().toString());
        await().atMost(Duration.ofSeconds(1)).until(() -> true);
    }
}
