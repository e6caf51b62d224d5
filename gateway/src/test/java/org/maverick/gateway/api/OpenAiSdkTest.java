package org.maverick.gateway.api;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.support.StandInResource;

import java.net.URL;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The official OpenAI Java SDK, unmodified, is the judge of compatibility. */
@QuarkusTest
@QuarkusTestResource(StandInResource.class)
class OpenAiSdkTest {

    @TestHTTPResource("/v1")
    URL v1;

    OpenAIClient client;

    @BeforeEach
    void client() {
        client = OpenAIOkHttpClient.builder().baseUrl(v1.toString()).apiKey("not-needed").maxRetries(0).build();
    }

    private ChatCompletionCreateParams.Builder chat(String text) {
        return ChatCompletionCreateParams.builder().model("llama-4-maverick").addSystemMessage("You are terse.")
                .addUserMessage(text);
    }

    @Test
    void streamsAChatCompletionChunkByChunk() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                chat("Tell me about rivers [standin:length=40]")
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunks::add);
        }
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
        long withText = chunks.stream().filter(c -> c.choices().stream()
                .anyMatch(ch -> ch.delta().content().filter(s -> !s.isEmpty()).isPresent())).count();
        assertTrue(withText >= 5, "streamed in many chunks: " + withText);
        assertFalse(text.toString().isBlank());
        assertTrue(chunks.stream().anyMatch(c -> c.choices().stream().anyMatch(ch -> ch.finishReason()
                .map(r -> r.equals(ChatCompletionChunk.Choice.FinishReason.STOP)).orElse(false))));
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertTrue(last.usage().isPresent(), "usage chunk last");
        assertTrue(last.usage().get().completionTokens() > 0);
    }

    @Test
    void answersANonStreamedChatCompletion() {
        ChatCompletion completion = client.chat().completions().create(chat("Hello [standin:length=12]")
                .maxCompletionTokens(64).temperature(0.2).build());
        assertEquals(1, completion.choices().size());
        assertFalse(completion.choices().get(0).message().content().orElse("").isBlank());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, completion.choices().get(0).finishReason());
        assertTrue(completion.usage().orElseThrow().promptTokens() > 0);
    }

    @Test
    void lengthFinishReasonWhenMaxTokensIsReached() {
        ChatCompletion completion = client.chat().completions().create(chat("More [standin:length=300]")
                .maxTokens(5).build());
        assertEquals(ChatCompletion.Choice.FinishReason.LENGTH, completion.choices().get(0).finishReason());
    }

    @Test
    void answersALegacyCompletion() {
        Completion completion = client.completions().create(CompletionCreateParams.builder()
                .model(CompletionCreateParams.Model.of("llama-4-maverick")).prompt("Once upon a time [standin:length=8]")
                .maxTokens(32).build());
        assertFalse(completion.choices().get(0).text().isBlank());
    }

    @Test
    void listsAndRetrievesTheModel() {
        List<Model> models = client.models().list().data();
        assertEquals(1, models.size());
        assertEquals("llama-4-maverick", models.get(0).id());
        assertEquals("llama-4-maverick", client.models().retrieve("llama-4-maverick").id());
    }

    @Test
    void unknownModelRaisesNotFound() {
        NotFoundException e = assertThrows(NotFoundException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("hi").build()));
        assertEquals(404, e.statusCode());
        assertTrue(e.getMessage().contains("gpt-4o"), e.getMessage());
    }

    @Test
    void invalidParameterRaisesBadRequestNamingTheField() {
        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                chat("hi").n(3).build()));
        assertEquals(400, e.statusCode());
        assertEquals("n", e.param().orElse(""), e.getMessage());
        assertEquals("unsupported_value", e.code().orElse(""));
    }

    @Test
    void streamingSeesTheStandInCountTheGeneration() {
        long before = StandInResource.standIn().counters().finished();
        try (var stream = client.chat().completions().createStreaming(chat("Short [standin:length=4]").build())) {
            stream.stream().forEach(c -> { });
        }
        assertTrue(StandInResource.standIn().counters().finished() > before);
    }
}
