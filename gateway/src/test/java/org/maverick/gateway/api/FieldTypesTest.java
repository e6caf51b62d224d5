package org.maverick.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.maverick.gateway.support.Sse;
import org.maverick.gateway.support.StandInResource;

import java.net.URL;
import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every request field the gateway knows, supported or refused, of chat completions and completions, sent
 * over HTTP with a value of the wrong JSON type: 400 {@code invalid_type} naming the field, the same code
 * Jackson's type errors get ({@code "stream":"true"}). A refused field is type-checked before it is
 * refused: {@code "logit_bias":"zzz"} is a wrong type, not a 200 (only a non-empty object used to be
 * refused) and not {@code unsupported_parameter}.
 */
@QuarkusTest
@QuarkusTestResource(StandInResource.class)
class FieldTypesTest {

    private static final String MODEL = "\"model\":\"llama-4-maverick\"";
    private static final String MESSAGES = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

    @TestHTTPResource
    URL base;

    /** {@code fields} go into a valid request of {@code endpoint}; its messages or prompt are added unless given. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            // ---- chat completions: refused fields (README: n other than 1, logprobs, tools/functions, logit_bias,
            // non-text response_format, audio, non-text modalities, tool calls in messages) ----
            "chat | \"logit_bias\":\"zzz\" | logit_bias",
            "chat | \"logit_bias\":[1] | logit_bias",
            "chat | \"logit_bias\":{\"50256\":\"x\"} | logit_bias.50256",
            "chat | \"logprobs\":\"yes\" | logprobs",
            "chat | \"top_logprobs\":\"2\" | top_logprobs",
            "chat | \"tools\":\"zzz\" | tools",
            "chat | \"tools\":{} | tools",
            "chat | \"tools\":[1] | tools[0]",
            "chat | \"tool_choice\":5 | tool_choice",
            "chat | \"parallel_tool_calls\":\"yes\" | parallel_tool_calls",
            "chat | \"functions\":\"zzz\" | functions",
            "chat | \"functions\":[\"f\"] | functions[0]",
            "chat | \"function_call\":5 | function_call",
            "chat | \"response_format\":\"zzz\" | response_format",
            "chat | \"response_format\":{\"type\":5} | response_format.type",
            "chat | \"audio\":\"zzz\" | audio",
            "chat | \"modalities\":\"text\" | modalities",
            "chat | \"modalities\":[1] | modalities[0]",
            "chat | \"n\":\"1\" | n",
            "chat | \"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"tool_calls\":\"x\"}] | messages[0].tool_calls",
            "chat | \"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"tool_calls\":[1]}] | messages[0].tool_calls[0]",
            // ---- chat completions: supported fields ----
            "chat | \"model\":42 | model",
            "chat | \"messages\":\"hi\" | messages",
            "chat | \"messages\":[1] | messages[0]",
            "chat | \"messages\":[{\"role\":1,\"content\":\"hi\"}] | messages[0].role",
            "chat | \"messages\":[{\"role\":\"user\",\"content\":42}] | messages[0].content",
            "chat | \"messages\":[{\"role\":\"user\",\"content\":{\"text\":\"hi\"}}] | messages[0].content",
            "chat | \"messages\":[{\"role\":\"user\",\"content\":[7]}] | messages[0].content[0]",
            "chat | \"messages\":[{\"role\":\"user\",\"content\":[{\"type\":5,\"text\":\"hi\"}]}] | messages[0].content[0].type",
            "chat | \"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":7}]}] | messages[0].content[0].text",
            "chat | \"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"name\":7}] | messages[0].name",
            "chat | \"messages\":[{\"role\":\"tool\",\"content\":\"hi\",\"tool_call_id\":7}] | messages[0].tool_call_id",
            "chat | \"max_tokens\":\"100\" | max_tokens",
            "chat | \"max_completion_tokens\":true | max_completion_tokens",
            "chat | \"temperature\":\"0.5\" | temperature",
            "chat | \"top_p\":[0.5] | top_p",
            "chat | \"stream\":\"true\" | stream",
            "chat | \"stream\":true,\"stream_options\":\"usage\" | stream_options",
            "chat | \"stream\":true,\"stream_options\":{\"include_usage\":1} | stream_options.include_usage",
            "chat | \"stop\":5 | stop",
            "chat | \"stop\":{\"x\":1} | stop",
            "chat | \"stop\":[\"a\",1] | stop[1]",
            "chat | \"seed\":\"5\" | seed",
            "chat | \"presence_penalty\":\"x\" | presence_penalty",
            "chat | \"frequency_penalty\":false | frequency_penalty",
            "chat | \"user\":5 | user",
            // ---- completions: refused fields (n, best_of other than 1, logprobs, echo, suffix, logit_bias) ----
            "completions | \"logit_bias\":\"zzz\" | logit_bias",
            "completions | \"logit_bias\":{\"50256\":[1]} | logit_bias.50256",
            "completions | \"logprobs\":true | logprobs",
            "completions | \"logprobs\":\"2\" | logprobs",
            "completions | \"echo\":\"yes\" | echo",
            "completions | \"suffix\":5 | suffix",
            "completions | \"best_of\":\"2\" | best_of",
            "completions | \"n\":1.5 | n",
            // ---- completions: supported fields ----
            "completions | \"prompt\":42 | prompt",
            "completions | \"prompt\":true | prompt",
            "completions | \"prompt\":{\"text\":\"hi\"} | prompt",
            "completions | \"model\":[] | model",
            "completions | \"max_tokens\":\"5\" | max_tokens",
            "completions | \"temperature\":\"x\" | temperature",
            "completions | \"top_p\":\"x\" | top_p",
            "completions | \"stream\":1 | stream",
            "completions | \"stream\":true,\"stream_options\":[] | stream_options",
            "completions | \"stop\":5 | stop",
            "completions | \"seed\":\"1\" | seed",
            "completions | \"presence_penalty\":\"x\" | presence_penalty",
            "completions | \"frequency_penalty\":\"x\" | frequency_penalty",
            "completions | \"user\":{} | user",
    })
    void aWrongTypeIs400InvalidTypeNamingTheField(String endpoint, String fields, String param) throws Exception {
        boolean chat = endpoint.equals("chat");
        String path = chat ? "/v1/chat/completions" : "/v1/completions";
        StringBuilder body = new StringBuilder("{");
        if (!fields.startsWith("\"model\"")) {
            body.append(MODEL).append(',');
        }
        if (chat && !fields.startsWith("\"messages\"")) {
            body.append(MESSAGES).append(',');
        }
        if (!chat && !fields.startsWith("\"prompt\"")) {
            body.append("\"prompt\":\"hi\",");
        }
        body.append(fields);
        if (!fields.contains("\"max_tokens\"")) {
            body.append(",\"max_tokens\":2"); // should a case be accepted after all, its answer is short
        }
        body.append('}');

        HttpResponse<String> r = Sse.post(base.toString().replaceAll("/$", ""), path, body.toString());
        assertEquals(400, r.statusCode(), body + " -> " + r.body());
        JsonNode error = Sse.JSON.readTree(r.body()).path("error");
        assertEquals("invalid_type", error.path("code").asText(), body + " -> " + r.body());
        assertEquals(param, error.path("param").asText(), body + " -> " + r.body());
        assertEquals("invalid_request_error", error.path("type").asText(), r.body());
        String message = error.path("message").asText();
        assertTrue(message.contains(param), "the message names the field: " + message);
        for (String leak : List.of("java.", "com.fasterxml", "org.maverick", "Exception", "`")) {
            assertFalse(message.contains(leak), "'" + leak + "' in " + message);
        }
    }
}
