package org.maverick.gateway.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A raw HTTP client for the gateway's OpenAI endpoints that keeps every SSE line as sent. */
public final class Sse {

    public static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Sse() {
    }

    /** The events of a finished stream, in order: each {@code data:} payload, and comments as ":...". */
    public record Stream(int status, HttpResponse<InputStream> response, List<String> events, List<String> ids) {
        public List<JsonNode> chunks() {
            List<JsonNode> out = new ArrayList<>();
            for (String e : events) {
                if (!e.startsWith(":") && !e.equals("[DONE]")) {
                    try {
                        out.add(JSON.readTree(e));
                    } catch (IOException ex) {
                        throw new AssertionError("not JSON: " + e, ex);
                    }
                }
            }
            return out;
        }

        public String content() {
            StringBuilder sb = new StringBuilder();
            for (JsonNode c : chunks()) {
                JsonNode choice = c.path("choices").path(0);
                if (choice.has("delta")) {
                    sb.append(choice.path("delta").path("content").asText(""));
                } else {
                    sb.append(choice.path("text").asText(""));
                }
            }
            return sb.toString();
        }

        public String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }
    }

    public static HttpResponse<String> post(String baseUrl, String path, String body) throws Exception {
        return HTTP.send(request(baseUrl, path, body), HttpResponse.BodyHandlers.ofString());
    }

    public static HttpResponse<InputStream> open(String baseUrl, String path, String body) throws Exception {
        return HTTP.send(request(baseUrl, path, body), HttpResponse.BodyHandlers.ofInputStream());
    }

    public static Stream stream(String baseUrl, String path, String body) throws Exception {
        HttpResponse<InputStream> response = open(baseUrl, path, body);
        List<String> events = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        String id = null;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            StringBuilder data = null;
            while ((line = reader.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data != null) {
                        events.add(data.toString());
                        ids.add(id);
                        data = null;
                        id = null;
                    }
                } else if (line.startsWith(":")) {
                    events.add(line);
                    ids.add(null);
                } else if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("data: ")) {
                    data = new StringBuilder(line.substring(6));
                } else {
                    events.add("!unexpected line: " + line);
                    ids.add(null);
                }
            }
        }
        return new Stream(response.statusCode(), response, events, ids);
    }

    private static HttpRequest request(String baseUrl, String path, String body) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    /**
     * A POST written by hand on a plain socket, so that a test can read part of the answer and then
     * drop the connection (or never read at all). The caller closes the socket.
     */
    public static java.net.Socket rawPost(int port, String path, String body) throws IOException {
        java.net.Socket socket = new java.net.Socket("127.0.0.1", port);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        var out = socket.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        return socket;
    }

    /** Reads the socket's answer until {@code n} SSE data lines arrived (or it ends); returns how many did. */
    public static int readDataLines(java.net.Socket socket, int n) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        int data = 0;
        String line;
        while (data < n && (line = in.readLine()) != null) {
            if (line.startsWith("data: ")) {
                data++;
            }
        }
        return data;
    }

    /** A chat request body with one user message. */
    public static String chat(String userText, String extraFields) {
        try {
            return "{\"model\":\"llama-4-maverick\",\"messages\":[{\"role\":\"user\",\"content\":"
                    + JSON.writeValueAsString(userText) + "}]" + (extraFields.isEmpty() ? "" : "," + extraFields) + "}";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
