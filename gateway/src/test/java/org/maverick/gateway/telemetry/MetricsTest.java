package org.maverick.gateway.telemetry;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Prometheus scrape moves as requests are served, with GenAI names and LLM-sized buckets. */
@QuarkusTest
@QuarkusTestResource(StandInResource.class)
class MetricsTest {

    @TestHTTPResource
    URL base;

    private String scrape() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/$", "")
                + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Sum of the values of a series whose line starts with the name and contains every label given. */
    private static double value(String scrape, String name, String... labels) {
        double sum = 0;
        for (String line : scrape.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                boolean all = true;
                for (String l : labels) {
                    all &= line.contains(l);
                }
                if (all) {
                    String sample = line.contains(" # ") ? line.substring(0, line.indexOf(" # ")) : line; // exemplar
                    sum += Double.parseDouble(sample.substring(sample.lastIndexOf(' ') + 1));
                }
            }
        }
        return sum;
    }

    @Test
    void countersAndHistogramsMoveWithRequests() throws Exception {
        String before = scrape();
        String url = base.toString().replaceAll("/$", "");
        for (int i = 0; i < 3; i++) {
            Sse.stream(url, "/v1/chat/completions", Sse.chat("Count me [standin:length=10]", "\"stream\":true"));
        }
        Sse.post(url, "/v1/chat/completions", "{\"model\":\"llama-4-maverick\",\"n\":5,\"messages\":[]}");
        Sse.post(url, "/v1/chat/completions", Sse.chat("fail [standin:error_at=2] [standin:length=10]", "\"stream\":true"));
        String after = scrape();

        assertEquals(3, value(after, "maverick_gateway_requests_total", "maverick_outcome=\"ok\"")
                - value(before, "maverick_gateway_requests_total", "maverick_outcome=\"ok\""), 0.001);
        assertEquals(1, value(after, "maverick_gateway_requests_total", "maverick_outcome=\"rejected\"")
                - value(before, "maverick_gateway_requests_total", "maverick_outcome=\"rejected\""), 0.001);
        assertEquals(1, value(after, "maverick_gateway_requests_total", "maverick_outcome=\"error\"",
                "error_type=\"backend_error\"") - value(before, "maverick_gateway_requests_total",
                "maverick_outcome=\"error\"", "error_type=\"backend_error\""), 0.001);
        assertTrue(value(after, "gen_ai_server_time_to_first_token_seconds_count")
                - value(before, "gen_ai_server_time_to_first_token_seconds_count") >= 4);
        assertTrue(value(after, "gen_ai_server_time_per_output_token_seconds_count")
                - value(before, "gen_ai_server_time_per_output_token_seconds_count") >= 3);
        assertTrue(value(after, "gen_ai_server_request_duration_seconds_count")
                - value(before, "gen_ai_server_request_duration_seconds_count") >= 4);
        assertTrue(value(after, "gen_ai_client_token_usage_tokens_sum", "gen_ai_token_type=\"output\"")
                > value(before, "gen_ai_client_token_usage_tokens_sum", "gen_ai_token_type=\"output\""));
        assertTrue(value(after, "gen_ai_client_operation_duration_seconds_count")
                - value(before, "gen_ai_client_operation_duration_seconds_count") >= 4);
        // buckets from milliseconds to minutes
        assertTrue(after.contains("gen_ai_server_time_to_first_token_seconds_bucket{") && after.contains("le=\"0.005\"")
                && after.contains("le=\"327.68\""), "LLM-sized buckets");
        assertEquals(1.0, value(after, "maverick_gateway_triton_ready"), 0.001);
        Matcher m = Pattern.compile("maverick_gateway_generations_in_flight\\{[^}]*maverick_mode=\"direct\"[^}]*} (\\S+)")
                .matcher(after);
        assertTrue(m.find(), "in-flight gauge exported");
        assertEquals(0.0, Double.parseDouble(m.group(1)), 0.001);
    }
}
