package org.maverick.kafka;

/**
 * The topic names of {@code topics.yaml}, for code that must name a topic. The YAML stays the
 * one source of partitions and configs; {@code TopicDefinitionsTest} checks these names match it.
 */
public final class Topics {

    /** Generation requests; key = request id. */
    public static final String REQUESTS = "maverick.generation.requests";
    /** Control messages (cancel, client_gone, client_back); co-partitioned with requests. */
    public static final String CONTROL = "maverick.generation.control";
    /** Latest status per request (compacted); co-partitioned with requests. */
    public static final String STATUS = "maverick.generation.status";
    /** The default reply topic: token, final and error events. */
    public static final String EVENTS = "maverick.generation.events";
    /** Records that could not be parsed or validated, with the reason in headers. */
    public static final String DLQ = "maverick.generation.dlq";
    /** Stored Responses API responses (compacted); key = response id. */
    public static final String RESPONSES = "maverick.responses";
    /** Events of background responses; key = response id. */
    public static final String RESPONSE_EVENTS = "maverick.responses.events";
    /** The per-gateway-instance reply topic template. */
    public static final String REPLIES_TEMPLATE = "maverick.replies.{instance}";

    private Topics() {
    }
}
