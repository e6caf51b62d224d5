package org.maverick.gateway.protocol.responses;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * The semantic events of a streamed response, named and shaped as OpenAI's API reference and its Java SDK
 * ({@code com.openai.models.responses.Response*Event}) name them. Each is one SSE event whose {@code event:}
 * line repeats its {@code type}; {@code sequence_number} rises by one per event of a stream, from 0.
 */
public sealed interface ResponseStreamEvent {

    String type();

    @JsonProperty("sequence_number")
    long sequenceNumber();

    /**
     * The response as a whole changed state: {@code response.created}, {@code response.in_progress},
     * {@code response.completed}, {@code response.incomplete}, {@code response.failed}.
     */
    record ResponseStatusEvent(String type, Response response, @JsonProperty("sequence_number") long sequenceNumber)
            implements ResponseStreamEvent {
    }

    /** {@code response.output_item.added} / {@code response.output_item.done}. */
    record ResponseOutputItemEvent(String type, @JsonProperty("output_index") int outputIndex, ResponseOutputItem item,
                                   @JsonProperty("sequence_number") long sequenceNumber) implements ResponseStreamEvent {
    }

    /** {@code response.content_part.added} / {@code response.content_part.done}. */
    record ResponseContentPartEvent(String type, @JsonProperty("item_id") String itemId,
                                    @JsonProperty("output_index") int outputIndex,
                                    @JsonProperty("content_index") int contentIndex,
                                    ResponseOutputItem.ResponseOutputText part,
                                    @JsonProperty("sequence_number") long sequenceNumber) implements ResponseStreamEvent {
    }

    /**
     * {@code response.output_text.delta}. The relay writes this shape by hand on the token path (one string
     * build per token); the record documents it and is used by tests.
     */
    record ResponseTextDeltaEvent(String type, @JsonProperty("item_id") String itemId,
                                  @JsonProperty("output_index") int outputIndex,
                                  @JsonProperty("content_index") int contentIndex, String delta, List<Object> logprobs,
                                  @JsonProperty("sequence_number") long sequenceNumber) implements ResponseStreamEvent {
    }

    /** {@code response.output_text.done}: the part's whole text. */
    record ResponseTextDoneEvent(String type, @JsonProperty("item_id") String itemId,
                                 @JsonProperty("output_index") int outputIndex,
                                 @JsonProperty("content_index") int contentIndex, String text, List<Object> logprobs,
                                 @JsonProperty("sequence_number") long sequenceNumber) implements ResponseStreamEvent {
    }

    /** {@code response.function_call_arguments.delta}. */
    record ResponseFunctionCallArgumentsDeltaEvent(String type, @JsonProperty("item_id") String itemId,
                                                   @JsonProperty("output_index") int outputIndex, String delta,
                                                   @JsonProperty("sequence_number") long sequenceNumber)
            implements ResponseStreamEvent {
    }

    /** {@code response.function_call_arguments.done}: the call's whole arguments. */
    record ResponseFunctionCallArgumentsDoneEvent(String type, @JsonProperty("item_id") String itemId,
                                                  @JsonProperty("output_index") int outputIndex, String name,
                                                  String arguments,
                                                  @JsonProperty("sequence_number") long sequenceNumber)
            implements ResponseStreamEvent {
    }

    /** {@code error}: the stream failed after it began (OpenAI's error fields, flat). */
    record ResponseErrorEvent(String type, String code, String message, String param,
                              @JsonProperty("sequence_number") long sequenceNumber) implements ResponseStreamEvent {
    }
}
