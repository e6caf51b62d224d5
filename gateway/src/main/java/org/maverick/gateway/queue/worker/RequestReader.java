package org.maverick.gateway.queue.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.image.ImageIntake;
import org.maverick.gateway.queue.Messages;
import org.maverick.gateway.queue.PrevalidatedRequests;
import org.maverick.gateway.request.RequestValidator;

import java.io.IOException;
import java.time.Duration;

/**
 * Turns a request record into a {@link Generation} in two steps: {@link #read} the record (the
 * message format: a record that fails here is dead-lettered unanswered, its caller unknown), then
 * {@link #generation} validates and renders its OpenAI request exactly as the HTTP edge does (a
 * failure here is answered with the error an HTTP client would get).
 *
 * <p>A {@code prevalidated} record (what gateway instances publish for their own clients) whose
 * signature verifies is {@link Resolved#trusted() trusted}: its generation was validated, rendered,
 * counted and admitted at the edge, and runs as it is. One whose signature does not verify is
 * validated in full, as a plain completion, like any event-driven caller's request.
 *
 * <p>A plain {@code chat} request may carry pictures ({@code image_url} parts with {@code data:} URIs): they
 * are checked and counted as on the HTTP edge, on the image decoding pool ({@link ImageIntake}), while the
 * calling thread (the worker's poll thread) waits for the outcome, at most {@link #imageCheckBound}.
 *
 * <p>Apart from that wait, pure but for the validator's token counting: any thread.
 */
final class RequestReader {

    static final String CHAT = "chat";
    static final String COMPLETION = "completion";

    private final RequestValidator validator;
    private final PrevalidatedRequests prevalidated;
    private final ObjectMapper json;
    private final ImageIntake images;
    private final Duration imageCheckBound;

    /** Without pictures: a chat request with image parts is refused naming the part (unit tests). */
    RequestReader(RequestValidator validator, PrevalidatedRequests prevalidated, ObjectMapper json) {
        this(validator, prevalidated, json, null);
    }

    RequestReader(RequestValidator validator, PrevalidatedRequests prevalidated, ObjectMapper json,
                  ImageIntake images) {
        this.images = images;
        this.imageCheckBound = images == null ? Duration.ZERO : imageCheckBound(images);
        this.validator = validator;
        this.prevalidated = prevalidated;
        this.json = json;
    }

    /**
     * A request's generation, and whether a gateway instance's signature vouches for it (then it was
     * admitted at that instance's edge and is not admitted again).
     */
    record Resolved(Generation generation, boolean trusted) {
    }

    /**
     * The request in {@code record}.
     *
     * @throws IOException              when the value is not a request message
     * @throws IllegalArgumentException when a required field is missing, or the key is not the request id
     */
    Messages.Request read(ConsumerRecord<String, byte[]> record) throws IOException {
        Messages.Request request = json.readValue(record.value(), Messages.Request.class);
        if (request.requestId() == null || request.requestId().isBlank() || request.kind() == null) {
            throw new IllegalArgumentException("request_id and kind are required");
        }
        if (PrevalidatedRequests.KIND.equals(request.kind())) {
            if (request.generation() == null || !request.generation().isObject()) {
                throw new IllegalArgumentException("a prevalidated request needs a generation object");
            }
        } else if (request.request() == null) {
            throw new IllegalArgumentException("request is required");
        }
        if (record.key() != null && !record.key().equals(request.requestId())) {
            throw new IllegalArgumentException("the record key '" + record.key() + "' is not the request_id '"
                    + request.requestId() + "'");
        }
        return request;
    }

    /**
     * The generation {@code request} asks for, dispatched directly (the worker runs it on Triton), on
     * behalf of {@code caller} unless a verified signature names the caller itself.
     *
     * @throws GatewayException the refusal an HTTP client would get ({@code kind} unknown, or the OpenAI
     *                          request invalid)
     */
    Resolved generation(Messages.Request request, String caller) {
        long created = request.createdAt() / 1000;
        Generation g;
        try {
            if (PrevalidatedRequests.KIND.equals(request.kind())) {
                var trusted = prevalidated.verify(request);
                if (trusted.isPresent()) {
                    return new Resolved(trusted.get(), true);
                }
                JsonNode plain = prevalidated.asPlainCompletion(request);
                g = withToolUse(validator.completion(json, plain, request.requestId(), created), plain);
            } else if (CHAT.equals(request.kind())) {
                g = chat(request, created);
            } else if (COMPLETION.equals(request.kind())) {
                g = validator.completion(json, request.request(), request.requestId(), created);
                g = withToolUse(g, request.request());
            } else {
                throw new GatewayException.InvalidRequest("kind", "kind must be 'chat', 'completion' or '"
                        + PrevalidatedRequests.KIND + "', got '" + request.kind() + "'");
            }
        } catch (GatewayException e) {
            throw e;
        } catch (Exception e) {
            throw new GatewayException.InvalidRequest("request", "request is not a valid OpenAI request: "
                    + e.getMessage());
        }
        return new Resolved(new Generation(g.requestId(), g.modelId(), g.kind(), g.prompt(), g.promptTokens(),
                g.exactTokens(), g.sampling(), g.stop(), g.stream(), g.includeUsage(), g.createdEpochSeconds(),
                Generation.Dispatch.DIRECT, caller, g.tools(), g.images()), false);
    }

    /**
     * How long the poll thread waits for one request's pictures: a fetch's timeout (for URLs) plus room to
     * decode a full queue of pictures, still far below the consumer's max.poll.interval.ms (5 minutes), so
     * a slow check never costs the worker its partitions.
     */
    static Duration imageCheckBound(ImageIntake images) {
        return images.limits().fetch().timeout().plusSeconds(20);
    }

    /** A plain chat request: validated, its pictures (if any) checked on the decoding pool, waited for here. */
    private Generation chat(Messages.Request request, long created) {
        if (images == null) {
            return validator.chat(json, request.request(), request.requestId(), created);
        }
        var draft = validator.chatDraft(json, request.request(), request.requestId(), created);
        if (draft.images().isEmpty()) {
            return draft.complete(java.util.List.of());
        }
        try {
            return draft.resolve(images).await().atMost(imageCheckBound);
        } catch (io.smallrye.mutiny.TimeoutException e) {
            throw new GatewayException.BackendUnavailable("the request's pictures were not checked within "
                    + imageCheckBound.toSeconds() + " s; retry shortly", Duration.ofSeconds(1), e);
        }
    }

    /**
     * A completion may say how its output is read for tool calls ({@code tool_use}: the names the
     * prompt offers, a prefill, strict schemas), as a gateway instance's queued chat with tools does.
     */
    private Generation withToolUse(Generation g, JsonNode request) throws IOException {
        JsonNode toolUse = request == null ? null : request.get("tool_use");
        if (toolUse == null || !toolUse.isObject()) {
            return g;
        }
        return g.withTools(json.treeToValue(toolUse, Messages.ToolUseBody.class).toToolUse());
    }
}
