package org.maverick.gateway.support;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;


/**
 * A realtime-socket client for tests ({@code java.net.http.WebSocket}): keeps every server event in
 * arrival order and waits for the ones a test names.
 */
public final class WsClient implements AutoCloseable {

    public static final String PATH = "/v1/realtime/chat";

    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final WebSocket socket;

    private WsClient(URL base) throws Exception {
        URI uri = URI.create("ws://" + base.getHost() + ":" + base.getPort() + PATH);
        socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(uri, new Listener()).get(5, TimeUnit.SECONDS);
    }

    public static WsClient connect(URL base) throws Exception {
        return new WsClient(base);
    }

    public WsClient send(String text) {
        socket.sendText(text, true).join();
        return this;
    }

    /** {@code {"type":"create","id":id,"request":<chat request with one user message>}}. */
    public WsClient create(String id, String userText) {
        return send("{\"type\":\"create\",\"id\":\"" + id + "\",\"request\":" + Sse.chat(userText, "") + "}");
    }

    /** {@code {"type":"create","id":id,"request":request}}, the request given as JSON. */
    public WsClient createRequest(String id, String request) {
        return send("{\"type\":\"create\",\"id\":\"" + id + "\",\"request\":" + request + "}");
    }

    public WsClient cancel(String id) {
        return send("{\"type\":\"cancel\",\"id\":\"" + id + "\"}");
    }

    public List<JsonNode> events() {
        return List.copyOf(events);
    }

    public List<JsonNode> events(String type, String id) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e : events) {
            if (e.path("type").asText().equals(type) && (id == null || e.path("id").asText().equals(id))) {
                out.add(e);
            }
        }
        return out;
    }

    /** The first event (in arrival order) matching, waiting up to 10 s for it. */
    public JsonNode await(Predicate<JsonNode> match) {
        try {
            return org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                    .until(() -> events.stream().filter(match).findFirst().orElse(null), e -> e != null);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("no such event within 10 s; received " + events, e);
        }
    }

    public JsonNode awaitEvent(String type, String id) {
        return await(e -> e.path("type").asText().equals(type)
                && (id == null ? !e.hasNonNull("id") : e.path("id").asText().equals(id)));
    }

    /** The concatenated deltas of one generation. */
    public String text(String id) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode c : events("chunk", id)) {
            sb.append(c.path("delta").asText());
        }
        return sb.toString();
    }

    public CompletableFuture<Integer> closed() {
        return closed;
    }

    /** Closes the socket abruptly (no close handshake), as a browser tab that goes away. */
    public void abort() {
        socket.abort();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
        socket.abort();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    events.add(Sse.JSON.readTree(partial.toString()));
                } catch (IOException e) {
                    throw new AssertionError("server sent a frame that is not JSON: " + partial, e);
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }
    }
}
