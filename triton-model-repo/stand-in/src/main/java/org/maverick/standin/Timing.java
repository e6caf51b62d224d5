package org.maverick.standin;

/**
 * The stand-in's timing model, shaped after Llama 4 Maverick FP8 on one 8-GPU node.
 *
 * <ul>
 *   <li>Time to first token: {@code ttftBaseMs + ttftPerPromptTokenMs * promptTokens}.</li>
 *   <li>Inter-token latency grows linearly with the requests holding a batch slot: {@code itlMinMs}
 *       with one in flight, {@code itlMaxMs} with all {@code slots} busy.</li>
 *   <li>{@code slots}: in-flight batch slots; further requests wait in a FIFO queue.</li>
 *   <li>{@code streamInterval}: tokens per streamed response after the first (the first response
 *       carries one token, as TensorRT-LLM returns the first token at once).</li>
 *   <li>{@code scale}: multiplier on every delay above (directive delays are not scaled).</li>
 * </ul>
 */
public record Timing(
        double ttftBaseMs,
        double ttftPerPromptTokenMs,
        double itlMinMs,
        double itlMaxMs,
        int slots,
        int streamInterval,
        double scale) {

    public Timing {
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be at least 1, was " + slots);
        }
        if (streamInterval < 1) {
            throw new IllegalArgumentException("streamInterval must be at least 1, was " + streamInterval);
        }
        if (scale < 0 || ttftBaseMs < 0 || ttftPerPromptTokenMs < 0 || itlMinMs < 0 || itlMaxMs < itlMinMs) {
            throw new IllegalArgumentException("delays must be non-negative and itlMaxMs >= itlMinMs");
        }
    }

    /** Maverick-like figures: TTFT 50 ms + 0.02 ms per prompt token, ITL 12 to 40 ms, 256 slots. */
    public static Timing defaults() {
        return new Timing(50, 0.02, 12, 40, 256, 2, 1.0);
    }

    /** The same shape fifty times faster, for tests: a 100-token answer takes about 50 ms. */
    public static Timing fast() {
        return defaults().withScale(0.02);
    }

    public Timing withScale(double newScale) {
        return new Timing(ttftBaseMs, ttftPerPromptTokenMs, itlMinMs, itlMaxMs, slots, streamInterval, newScale);
    }

    public Timing withSlots(int newSlots) {
        return new Timing(ttftBaseMs, ttftPerPromptTokenMs, itlMinMs, itlMaxMs, newSlots, streamInterval, scale);
    }

    public Timing withStreamInterval(int newInterval) {
        return new Timing(ttftBaseMs, ttftPerPromptTokenMs, itlMinMs, itlMaxMs, slots, newInterval, scale);
    }

    /** Scaled time to first token, in nanoseconds. */
    public long ttftNanos(int promptTokens) {
        return millisToNanos((ttftBaseMs + ttftPerPromptTokenMs * promptTokens) * scale);
    }

    /** Scaled time per token with {@code inFlight} requests holding slots, in nanoseconds. */
    public long itlNanos(int inFlight) {
        double load = slots <= 1 ? 0 : Math.min(1.0, Math.max(0, inFlight - 1) / (double) (slots - 1));
        return millisToNanos((itlMinMs + (itlMaxMs - itlMinMs) * load) * scale);
    }

    static long millisToNanos(double ms) {
        return (long) (ms * 1_000_000L);
    }
}
