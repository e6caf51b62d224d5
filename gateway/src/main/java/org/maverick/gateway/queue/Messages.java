package org.maverick.gateway.queue;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import org.maverick.gateway.protocol.UsageDto;

/**
 * The Kafka message format, version 1, as published in {@code kafka/schemas/} and
 * {@code kafka/asyncapi.yaml}. Unknown fields are accepted so that newer producers do not break
 * older consumers. Record header names are those of {@link org.maverick.kafka.MessageHeaders}.
 */
public final class Messages {

    public static final int VERSION = 1;

    private Messages() {
    }

    /** A generation request (requests topic, key = request id). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Request(
            int version,
            @JsonProperty("request_id") String requestId,
            @JsonProperty("created_at") long createdAt,
            @JsonProperty("deadline_at") Long deadlineAt,
            String kind,
            JsonNode request,
            JsonNode generation,
            String signature) {

        /** An OpenAI request, validated in full by the worker. */
        public static final String CHAT = "chat";
        public static final String COMPLETION = "completion";
    }

    /** One event of a generation (reply or events topic, key = request id). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Event(
            int version,
            @JsonProperty("request_id") String requestId,
            long seq,
            int attempt,
            String type,
            String text,
            @JsonProperty("finish_reason") String finishReason,
            UsageDto usage,
            ErrorBody error,
            long at,
            @JsonProperty("tool_call") ToolCallBody toolCall,
            @JsonProperty("tool_calls") java.util.List<ToolCallBody> toolCalls,
            @JsonProperty("completion_tokens") Integer completionTokens) {

        /** An event without tool calls or a token count. */
        public Event(int version, String requestId, long seq, int attempt, String type, String text, String finishReason,
                     UsageDto usage, ErrorBody error, long at) {
            this(version, requestId, seq, attempt, type, text, finishReason, usage, error, at, null, null, null);
        }

        /** An event with tool calls and without a token count. */
        public Event(int version, String requestId, long seq, int attempt, String type, String text, String finishReason,
                     UsageDto usage, ErrorBody error, long at, ToolCallBody toolCall, java.util.List<ToolCallBody> toolCalls) {
            this(version, requestId, seq, attempt, type, text, finishReason, usage, error, at, toolCall, toolCalls, null);
        }

        public static final String TOKEN = "token";
        /** One complete tool call ({@code tool_call}); a non-streamed request gets its calls in {@code final}'s {@code tool_calls}. */
        public static final String TOOL_CALL = "tool_call";
        public static final String FINAL = "final";
        public static final String ERROR = "error";
        public static final String EXPIRED = "expired";
        public static final String CANCELLED = "cancelled";

        public boolean terminal() {
            return !TOKEN.equals(type) && !TOOL_CALL.equals(type);
        }
    }

    /** One tool call, as OpenAI's {@code tool_calls} items plus the call's index in the answer. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ToolCallBody(int index, String id, String type, FunctionBody function) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record FunctionBody(String name, String arguments) {
    }

    /**
     * How a queued request's output is read for tool calls ({@link org.maverick.gateway.generation.ToolUse}): the
     * edge renders the prompt with the tools and queues it as a completion carrying this as {@code tool_use}.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ToolUseBody(java.util.Map<String, String> callable, String prefill, boolean parallel,
                              @JsonProperty("strict_schemas") java.util.Map<String, String> strictSchemas) {

        public static ToolUseBody of(org.maverick.gateway.generation.ToolUse use) {
            return new ToolUseBody(use.callable(), use.prefill(), use.parallel(), use.strictSchemas());
        }

        public org.maverick.gateway.generation.ToolUse toToolUse() {
            return new org.maverick.gateway.generation.ToolUse(callable == null ? java.util.Map.of() : callable,
                    prefill == null ? "" : prefill, parallel, strictSchemas == null ? java.util.Map.of() : strictSchemas);
        }
    }

    /** OpenAI's error fields plus the HTTP status the error would have had. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ErrorBody(String message, String type, String code, int status) {
    }

    /**
     * A control message (control topic, key = request id; co-partitioned with requests), or an owner
     * heartbeat ({@link #HOLDING}: key {@code holding:<instance>}, no request id): {@code instance}
     * holds the clients of exactly {@code requestIds} among the requests of the record's partition.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Control(
            int version,
            @JsonProperty("request_id") String requestId,
            String action,
            long at,
            @JsonProperty("grace_ms") Long graceMs,
            String instance,
            @JsonProperty("request_ids") java.util.List<String> requestIds,
            @JsonProperty("lease_ms") Long leaseMs) {

        public static final String CANCEL = "cancel";
        public static final String CLIENT_GONE = "client_gone";
        public static final String CLIENT_BACK = "client_back";
        public static final String HOLDING = "holding";

        /** A control message about one request. */
        public Control(int version, String requestId, String action, long at, Long graceMs) {
            this(version, requestId, action, at, graceMs, null, null, null);
        }

        /** An owner heartbeat of {@code instance}: it holds the clients of {@code requestIds}. */
        public static Control holding(String instance, java.util.List<String> requestIds, long leaseMs, long at) {
            return new Control(VERSION, null, HOLDING, at, null, instance, requestIds, leaseMs);
        }

        /** The record key of {@code instance}'s heartbeats. */
        public static String holdingKey(String instance) {
            return HOLDING + ":" + instance;
        }
    }

    /** A request's state (compacted status topic, key = request id; co-partitioned with requests). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Status(
            int version,
            @JsonProperty("request_id") String requestId,
            String state,
            int attempt,
            @JsonProperty("reply_topic") String replyTopic,
            @JsonProperty("reply_partition") Integer replyPartition,
            @JsonProperty("first_event_offset") Long firstEventOffset,
            @JsonProperty("updated_at") long updatedAt) {

        public static final String RUNNING = "running";
        public static final String FINISHED = "finished";
        public static final String CANCELLED = "cancelled";
        public static final String EXPIRED = "expired";
        public static final String FAILED = "failed";

        /** Whether the request needs no more work. */
        public boolean done() {
            return !RUNNING.equals(state);
        }
    }
}
