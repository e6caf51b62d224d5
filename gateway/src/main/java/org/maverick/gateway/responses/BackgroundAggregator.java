package org.maverick.gateway.responses;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.jboss.logging.Logger;
import org.maverick.gateway.generation.Usage;
import org.maverick.gateway.protocol.responses.Response;
import org.maverick.gateway.protocol.responses.ResponseOutput;
import org.maverick.gateway.protocol.responses.ResponseUsage;
import org.maverick.gateway.queue.Messages;
import org.maverick.gateway.telemetry.GatewayMetrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the events of a background run ({@code maverick.responses.events}, written by whichever worker runs it,
 * and by the one that takes it over) into its stored response: {@code in_progress} with the run's first event,
 * then the whole answer with its final status when the run ends. Runs inside Kafka Streams, partitioned over the
 * gateway instances; what a run wrote so far is kept in a state store with a changelog, so an instance that dies
 * mid-run leaves nothing behind: the next owner of the partition continues from the changelog.
 *
 * <p>Events are applied once each, in {@code seq} order (a repeat, e.g. re-read after a restart, is skipped). The
 * stored record is the one {@code POST} wrote (the request's settings, its input) with status, output, usage and
 * error filled in; a response cancelled by {@code POST …/cancel} stays {@code cancelled}.
 */
final class BackgroundAggregator implements Processor<String, byte[], String, byte[]> {

    private static final Logger LOG = Logger.getLogger(BackgroundAggregator.class);

    private final ObjectMapper json;
    private final GatewayMetrics metrics;
    private final Duration retention;
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, byte[]> runs;
    private KeyValueStore<String, ?> stored;

    BackgroundAggregator(ObjectMapper json, GatewayMetrics metrics, Duration retention) {
        this.json = json;
        this.metrics = metrics;
        this.retention = retention;
    }

    /** What a run wrote so far: text runs and calls in order, and the last event applied. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Run(long seq, List<Piece> pieces) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Piece(String text, String callId, String name, String arguments) {
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.runs = context.getStateStore(ResponseStore.RUNS);
        this.stored = context.getStateStore(ResponseStore.STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (record.key() == null || record.value() == null) {
            return;
        }
        String id = record.key();
        try {
            Messages.Event event = json.readValue(record.value(), Messages.Event.class);
            LOG.debugf("background response %s: event %s seq %d", id, event.type(), event.seq());
            byte[] saved = runs.get(id);
            Run run = saved == null ? new Run(-1, new ArrayList<>()) : json.readValue(saved, Run.class);
            if (event.seq() <= run.seq()) {
                return; // applied already
            }
            List<Piece> pieces = new ArrayList<>(run.pieces());
            if (saved == null) {
                started(id, record.timestamp());
            }
            switch (event.type()) {
                case Messages.Event.TOKEN -> text(pieces, event.text());
                case Messages.Event.TOOL_CALL -> call(pieces, event.toolCall());
                case Messages.Event.FINAL -> {
                    text(pieces, event.text());
                    if (event.toolCalls() != null) {
                        event.toolCalls().forEach(c -> call(pieces, c));
                    }
                    String status = "length".equals(event.finishReason()) ? Response.INCOMPLETE : Response.COMPLETED;
                    var u = event.usage();
                    ended(id, status, pieces, u == null ? null
                            : ResponseUsage.of(new Usage(u.promptTokens(), u.completionTokens(), true)), null,
                            record.timestamp());
                    runs.delete(id);
                    return;
                }
                default -> {
                    String status = Messages.Event.CANCELLED.equals(event.type()) ? Response.CANCELLED
                            : Response.FAILED;
                    Response.ResponseError error = status.equals(Response.FAILED) ? error(event) : null;
                    ended(id, status, pieces, null, error, record.timestamp());
                    runs.delete(id);
                    return;
                }
            }
            runs.put(id, json.writeValueAsBytes(new Run(event.seq(), pieces)));
        } catch (Exception e) {
            LOG.warnf("background response %s: event not applied to its stored response: %s", id, e.toString());
        }
    }

    private static void text(List<Piece> pieces, String text) {
        if (text == null || text.isEmpty()) {
            return;
        }
        int last = pieces.size() - 1;
        if (last >= 0 && pieces.get(last).text() != null) {
            pieces.set(last, new Piece(pieces.get(last).text() + text, null, null, null));
        } else {
            pieces.add(new Piece(text, null, null, null));
        }
    }

    private static void call(List<Piece> pieces, Messages.ToolCallBody c) {
        if (c != null && c.function() != null) {
            pieces.add(new Piece(null, c.id(), c.function().name(), c.function().arguments()));
        }
    }

    private static Response.ResponseError error(Messages.Event event) {
        if (Messages.Event.EXPIRED.equals(event.type())) {
            return new Response.ResponseError("server_error", "The response waited in the queue past its deadline "
                    + "(gateway.queue.request-time-to-live) and was not run.");
        }
        Messages.ErrorBody e = event.error();
        String code = e != null && e.status() == 429 ? "rate_limit_exceeded" : "server_error";
        return new Response.ResponseError(code, e == null ? "The background run failed." : e.message());
    }

    /** The run began: the stored response says {@code in_progress}, unless it was cancelled meanwhile. */
    private void started(String id, long timestamp) throws Exception {
        StoredResponse base = base(id);
        if (base == null || !Response.QUEUED.equals(base.status())) {
            return;
        }
        forward(base.with(base.responseWith(Response.IN_PROGRESS), expiry()), timestamp);
    }

    private void ended(String id, String status, List<Piece> pieces, ResponseUsage usage,
                       Response.ResponseError error, long timestamp) throws Exception {
        StoredResponse base = base(id);
        if (base == null) {
            LOG.warnf("background response %s ended (%s) but its stored record is not in this instance's copy; "
                    + "its outcome is not stored", id, status);
            return;
        }
        String finalStatus = Response.CANCELLED.equals(base.status()) ? Response.CANCELLED : status;
        ResponseOutput output = new ResponseOutput(id);
        for (Piece p : pieces) {
            if (p.text() != null) {
                output.text(p.text());
            } else {
                output.call(p.callId(), p.name(), p.arguments());
            }
        }
        String itemStatus = Response.COMPLETED.equals(finalStatus) ? Response.COMPLETED : Response.INCOMPLETE;
        ObjectNode response = base.responseWith(finalStatus);
        response.set("output", json.valueToTree(Response.FAILED.equals(finalStatus) && output.empty()
                ? List.of() : output.finish(itemStatus)));
        response.set("usage", usage == null ? null : json.valueToTree(usage));
        response.set("error", error == null ? null : json.valueToTree(error));
        response.set("incomplete_details", Response.INCOMPLETE.equals(finalStatus)
                ? json.valueToTree(new Response.IncompleteDetails("max_output_tokens")) : null);
        forward(base.with(response, expiry()), timestamp);
        metrics.backgroundEnded(finalStatus);
    }

    private long expiry() {
        return System.currentTimeMillis() + retention.toMillis();
    }

    private StoredResponse base(String id) throws Exception {
        Object value = stored.get(id);
        if (value instanceof ValueAndTimestamp<?> vt) {
            value = vt.value();
        }
        return value instanceof byte[] bytes ? json.readValue(bytes, StoredResponse.class) : null;
    }

    private void forward(StoredResponse response, long timestamp) throws Exception {
        context.forward(new Record<>(response.id(), json.writeValueAsBytes(response), timestamp));
    }
}
