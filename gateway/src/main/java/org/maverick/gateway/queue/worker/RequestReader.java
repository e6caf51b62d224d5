package org.maverick.gateway.queue.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.queue.Messages;
import org.maverick.gateway.request.RequestValidator;

import java.io.IOException;

/**
 * Turns a request record into a {@link Generation} in two steps: {@link #read} the record (the
 * message format: a record that fails here is dead-lettered unanswered, its caller unknown), then
 * {@link #generation} validates and renders its OpenAI request exactly as the HTTP edge does (a
 * failure here is answered with the error an HTTP client would get). Record kinds that need other
 * checks, or no rendering, are told apart in {@link #generation}.
 *
 * <p>Pure apart from the validator's token counting: any thread.
 */
final class RequestReader {

    static final String CHAT = "chat";
    static final String COMPLETION = "completion";

    private final RequestValidator validator;
    private final ObjectMapper json;

    RequestReader(RequestValidator validator, ObjectMapper json) {
        this.validator = validator;
        this.json = json;
    }

    /**
     * The request in {@code record}.
     *
     * @throws IOException              when the value is not a request message
     * @throws IllegalArgumentException when a required field is missing, or the key is not the request id
     */
    Messages.Request read(ConsumerRecord<String, byte[]> record) throws IOException {
        Messages.Request request = json.readValue(record.value(), Messages.Request.class);
        if (request.requestId() == null || request.requestId().isBlank() || request.request() == null
                || request.kind() == null) {
            throw new IllegalArgumentException("request_id, kind and request are required");
        }
        if (record.key() != null && !record.key().equals(request.requestId())) {
            throw new IllegalArgumentException("the record key '" + record.key() + "' is not the request_id '"
                    + request.requestId() + "'");
        }
        return request;
    }

    /**
     * The generation {@code request} asks for, on behalf of {@code caller}, dispatched directly (the
     * worker runs it on Triton).
     *
     * @throws GatewayException the refusal an HTTP client would get ({@code kind} unknown, or the OpenAI
     *                          request invalid)
     */
    Generation generation(Messages.Request request, String caller) {
        long created = request.createdAt() / 1000;
        Generation g;
        try {
            if (CHAT.equals(request.kind())) {
                g = validator.chat(json, request.request(), request.requestId(), created);
            } else if (COMPLETION.equals(request.kind())) {
                g = validator.completion(json, request.request(), request.requestId(), created);
            } else {
                throw new GatewayException.InvalidRequest("kind", "kind must be 'chat' or 'completion', got '"
                        + request.kind() + "'");
            }
        } catch (GatewayException e) {
            throw e;
        } catch (Exception e) {
            throw new GatewayException.InvalidRequest("request", "request is not a valid OpenAI request: "
                    + e.getMessage());
        }
        return new Generation(g.requestId(), g.modelId(), g.kind(), g.prompt(), g.promptTokens(), g.exactTokens(),
                g.sampling(), g.stop(), g.stream(), g.includeUsage(), g.createdEpochSeconds(),
                Generation.Dispatch.DIRECT, caller);
    }
}
