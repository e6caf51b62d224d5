package org.maverick.standin;

import com.google.protobuf.ByteString;
import inference.GrpcService.InferParameter;
import inference.GrpcService.ModelInferResponse;
import inference.GrpcService.ModelInferResponse.InferOutputTensor;
import inference.GrpcService.ModelStreamInferResponse;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.maverick.standin.repository.Contract;
import org.maverick.standin.text.Stamp;
import org.maverick.standin.text.TextGenerator;

/**
 * One request's generation, paced by the engine's scheduler: the first response after the time
 * to first token carries one token, each later one {@code streamInterval} tokens, spaced by the
 * inter-token latency of the moment. Every state change happens under this object's lock, so a
 * cancel racing a step either lands before it (the step sees {@code done}) or after (a no-op).
 */
final class Generation {

    /** Response parameter with the wall-clock send time, epoch nanoseconds (microsecond precision). */
    static final String SEND_TIME = "standin_send_time_ns";
    static final String FINAL = "triton_final_response";

    enum End { FINISHED, CANCELLED, FAILED }

    private final GenerationSpec spec;
    private final ResponseSink sink;
    private final Engine engine;
    private final List<String> plan;
    private final int promptTokens;
    /** The natural answer fits in max tokens: running out of plan means end of text, not "length". */
    private final boolean naturalEnd;

    private boolean done;
    private int position;
    private final StringBuilder text = new StringBuilder();
    /** Ensemble: bytes of the text already sent as deltas. */
    private int sentBytes;
    private ScheduledFuture<?> next;

    Generation(GenerationSpec spec, ResponseSink sink, Engine engine) {
        this.spec = spec;
        this.sink = sink;
        this.engine = engine;
        List<String> answer = spec.directives().images()
                ? Pictures.describe(spec.pictures())
                : TextGenerator.answer(spec.prompt(), spec.seed(), spec.directives());
        this.plan = answer.subList(0, Math.min(answer.size(), Math.max(0, spec.maxTokens())));
        this.naturalEnd = answer.size() <= Math.max(0, spec.maxTokens());
        this.promptTokens = TextGenerator.estimatePromptTokens(spec.prompt());
    }

    String id() {
        return spec.request().id();
    }

    /** Tokens generated so far (stamp markers are not tokens). */
    synchronized int tokens() {
        return position;
    }

    /** Called on the scheduler once the generation holds a slot. */
    synchronized void start() {
        if (done) {
            return;
        }
        long ttft = spec.directives().ttftMs().isPresent()
                ? Timing.millisToNanos(spec.directives().ttftMs().getAsDouble())
                : engine.timing.ttftNanos(promptTokens);
        next = engine.scheduler.schedule(this::step, ttft, TimeUnit.NANOSECONDS);
    }

    private synchronized void step() {
        if (done) {
            return;
        }
        var d = spec.directives();
        if (d.cutAt().isPresent() && position >= d.cutAt().getAsInt()) {
            end(End.FAILED);
            sink.abort(Status.UNAVAILABLE.withDescription(
                    "Triton stand-in: stream cut after " + position + " tokens ([standin:cut_at])"));
            return;
        }
        if (d.errorAt().isPresent() && position >= d.errorAt().getAsInt()) {
            sink.send(error(id(), "Triton stand-in: generation failed after " + position + " tokens ([standin:error_at])"));
            end(End.FAILED);
            return;
        }
        int count = position == 0 ? 1 : engine.timing.streamInterval();
        count = Math.min(count, limit(d.cutAt().orElse(Integer.MAX_VALUE)));
        count = Math.min(count, limit(d.errorAt().orElse(Integer.MAX_VALUE)));
        String matchedStop = null;
        int stopAt = -1;
        int emitted = 0;
        if (d.stamp() && position < plan.size()) {
            // Part of the text (cumulative outputs keep it), ahead of the tokens this response sends.
            text.append(Stamp.marker(Stamp.nowEpochNanos()));
        }
        while (emitted < count && position < plan.size()) {
            int before = text.length();
            text.append(plan.get(position++));
            emitted++;
            for (String stop : spec.stopStrings()) {
                int from = Math.max(0, before - stop.length() + 1);
                int at = text.indexOf(stop, from);
                if (at >= 0 && (stopAt < 0 || at < stopAt)) {
                    stopAt = at;
                    matchedStop = stop;
                }
            }
            if (matchedStop != null) {
                break;
            }
        }
        boolean complete = matchedStop != null || position >= plan.size();
        if (complete) {
            String finishReason = matchedStop != null || naturalEnd ? "stop" : "length";
            if (matchedStop != null && spec.contract() == Contract.LLMAPI) {
                // The engine trims a matched stop string from the final text, which can make it
                // shorter than the cumulative text streamed just before.
                text.setLength(stopAt);
            }
            sendFinal(finishReason, matchedStop == null ? "" : matchedStop);
            end(End.FINISHED);
            return;
        }
        if (spec.stream()) {
            sink.send(data(false, null, null));
        }
        long perToken = d.itlMs().isPresent() ? Timing.millisToNanos(d.itlMs().getAsDouble()) : engine.itlNanos();
        int nextCount = engine.timing.streamInterval();
        next = engine.scheduler.schedule(this::step, perToken * nextCount, TimeUnit.NANOSECONDS);
    }

    private int limit(int boundary) {
        return boundary > position ? boundary - position : Integer.MAX_VALUE;
    }

    /** The client went away (call cancelled) or asked to stop: end at once and free the slot. */
    synchronized void cancel(boolean sendCancelledResponse) {
        if (done) {
            return;
        }
        if (sendCancelledResponse) {
            sendFinal("cancelled", "");
        }
        end(End.CANCELLED);
    }

    /** The call died under this generation (cut, transport error). */
    synchronized void fail() {
        if (!done) {
            end(End.FAILED);
        }
    }

    private void end(End how) {
        done = true;
        if (next != null) {
            next.cancel(false);
        }
        engine.release(this);
        switch (how) {
            case FINISHED -> engine.counters.recordFinished();
            case CANCELLED -> engine.counters.recordCancelled();
            case FAILED -> engine.counters.recordFailed();
        }
        sink.ended(this);
    }

    private void sendFinal(String finishReason, String stopReason) {
        if (spec.request().emptyFinal()) {
            // Decoupled Triton: the last data response is not final; an empty response closes the request.
            sink.send(data(false, finishReason, stopReason));
            sink.send(ModelStreamInferResponse.newBuilder().setInferResponse(header().putParameters(FINAL, bool(true))).build());
        } else {
            sink.send(data(true, finishReason, stopReason));
        }
    }

    private ModelInferResponse.Builder header() {
        return ModelInferResponse.newBuilder()
                .setModelName(spec.request().model().name())
                .setModelVersion(spec.request().model().version())
                .setId(id());
    }

    /** A data response; finishReason non-null on the response that ends the generation. */
    private ModelStreamInferResponse data(boolean fin, String finishReason, String stopReason) {
        ModelInferResponse.Builder r = header().putParameters(FINAL, bool(fin));
        ValidRequest req = spec.request();
        boolean last = finishReason != null;
        if (spec.contract() == Contract.LLMAPI) {
            String cumulative = text.toString();
            if (!last && spec.directives().fffd()) {
                cumulative = withReplacementTail(cumulative);
            }
            output(r, "text_output", "BYTES", List.of(1L), Tensors.bytesElement(cumulative));
            if (last && req.bool("return_finish_reason", false)) {
                output(r, "finish_reason", "BYTES", List.of(1L), Tensors.bytesElement(finishReason));
            }
            if (last && req.bool("return_stop_reason", false)) {
                output(r, "stop_reason", "BYTES", List.of(1L), Tensors.bytesElement(stopReason));
            }
            if (req.bool("return_cumulative_logprob", false)) {
                // model.py sends this as a string although the config says FP32.
                output(r, "cumulative_logprob", "BYTES", List.of(1L),
                        Tensors.bytesElement(String.format(java.util.Locale.ROOT, "%.4f", -0.35 * position)));
            }
        } else {
            byte[] all = text.toString().getBytes(StandardCharsets.UTF_8);
            int upTo = last ? all.length : all.length - heldBackBytes(text);
            byte[] delta = Arrays.copyOfRange(all, Math.min(sentBytes, upTo), upTo);
            sentBytes = Math.max(sentBytes, upTo);
            output(r, "text_output", "BYTES", List.of(1L, 1L), Tensors.bytesElement(delta));
            if (req.bool("return_num_input_tokens", false)) {
                output(r, "num_input_tokens", "INT32", List.of(1L, 1L), Tensors.int32(promptTokens));
            }
            if (req.bool("return_num_output_tokens", false)) {
                output(r, "num_output_tokens", "INT32", List.of(1L, 1L), Tensors.int32(position));
            }
        }
        r.putParameters(SEND_TIME, InferParameter.newBuilder().setInt64Param(Stamp.nowEpochNanos()).build());
        return ModelStreamInferResponse.newBuilder().setInferResponse(r).build();
    }

    /** Adds an output the model declares and the client asked for (all, when it named none). */
    private void output(ModelInferResponse.Builder r, String name, String type, List<Long> shape, ByteString raw) {
        if (!spec.request().wants(name) || spec.request().model().output(name).isEmpty()) {
            return;
        }
        r.addOutputs(InferOutputTensor.newBuilder().setName(name).setDatatype(type).addAllShape(shape));
        r.addRawOutputContents(raw);
    }

    /**
     * Engine-path detokenizer artefact: when the text so far ends inside a multi-byte character's
     * tokens, the delta stops one byte short, splitting the character across two responses.
     */
    private static int heldBackBytes(CharSequence text) {
        if (text.length() == 0) {
            return 0;
        }
        int last = Character.codePointBefore(text, text.length());
        return last < 0x80 ? 0 : 1;
    }

    /** llmapi artefact ([standin:fffd]): an incomplete last character shows as U+FFFD until completed. */
    private static String withReplacementTail(String text) {
        if (text.isEmpty()) {
            return text;
        }
        int last = text.codePointBefore(text.length());
        if (last < 0x80) {
            return text;
        }
        return text.substring(0, text.length() - Character.charCount(last)) + '\uFFFD';
    }

    static InferParameter bool(boolean value) {
        return InferParameter.newBuilder().setBoolParam(value).build();
    }

    static ModelStreamInferResponse error(String id, String message) {
        return ModelStreamInferResponse.newBuilder()
                .setErrorMessage(message)
                // Triton puts the failed request's id back so the client knows which one failed.
                .setInferResponse(ModelInferResponse.newBuilder().setId(id))
                .build();
    }
}
