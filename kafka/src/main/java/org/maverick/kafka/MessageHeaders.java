package org.maverick.kafka;

/** Record header names of the message format (see {@code asyncapi.yaml}). Values are UTF-8. */
public final class MessageHeaders {

    /** On a request: the topic its events go to; absent means {@link Topics#EVENTS}. */
    public static final String REPLY_TOPIC = "maverick-reply-topic";
    /** On a request: who asked (tenant or service name). */
    public static final String CALLER = "maverick-caller";
    /** The schema of the value, e.g. {@code generation-request.v1}. */
    public static final String SCHEMA = "maverick-schema";
    /** W3C trace context. */
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";

    /** On a dead letter: why the record could not be used. */
    public static final String DLQ_REASON = "maverick-dlq-reason";
    /** On a dead letter: where the original record was. */
    public static final String DLQ_TOPIC = "maverick-dlq-topic";
    public static final String DLQ_PARTITION = "maverick-dlq-partition";
    public static final String DLQ_OFFSET = "maverick-dlq-offset";

    private MessageHeaders() {
    }
}
