package org.maverick.benchmark.load;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One load run. Concurrency mode keeps {@code concurrency} requests in flight (each worker sends
 * its next request when the previous ends); rate mode sends {@code rate} requests per second
 * (constant spacing or Poisson arrivals) whatever is in flight, up to {@code maxInFlight}.
 *
 * @param url          for SSE the chat completions URL; for WebSocket the socket URL (ws://…/v1/realtime/chat)
 * @param warmup       requests sent before this much time are run but not measured
 * @param duration     the measurement window after the warm-up; no request is sent after it
 * @param rampUp       concurrency mode: workers start spread over this time
 * @param drainTimeout after the window, in-flight requests get this long to end, then are cancelled
 * @param cancelAtEnd  cancel in-flight requests as soon as the window ends (long-stream scenarios)
 * @param directives   extra stand-in directives put in each prompt, e.g. {@code itl_ms=2000}
 * @param historyTokens above 0: the request is a long chat, a {@link ChatHistory} of about this many prompt
 *                     tokens before the request's own last user message ({@link #prompt}); 0: one user message
 */
public record LoadConfig(
        String name,
        URI url,
        Transport transport,
        boolean rateMode,
        int concurrency,
        double rate,
        boolean poisson,
        int maxInFlight,
        Duration warmup,
        Duration duration,
        Duration rampUp,
        Duration drainTimeout,
        boolean cancelAtEnd,
        int inputTokens,
        int outputTokens,
        String model,
        boolean stamp,
        List<String> directives,
        Map<String, String> headers,
        RequestRecord.TokenCount tokenCount,
        int clientThreads,
        boolean progress,
        int historyTokens) {

    public enum Transport { SSE, WEBSOCKET }

    public static Builder builder(String url) {
        return new Builder(url);
    }

    public Builder toBuilder() {
        Builder b = new Builder(url.toString());
        b.name = name; b.transport = transport; b.rateMode = rateMode; b.concurrency = concurrency; b.rate = rate;
        b.poisson = poisson; b.maxInFlight = maxInFlight; b.warmup = warmup; b.duration = duration; b.rampUp = rampUp;
        b.drainTimeout = drainTimeout; b.cancelAtEnd = cancelAtEnd; b.inputTokens = inputTokens;
        b.outputTokens = outputTokens; b.model = model; b.stamp = stamp; b.directives = new ArrayList<>(directives);
        b.headers = new LinkedHashMap<>(headers); b.tokenCount = tokenCount; b.clientThreads = clientThreads;
        b.progress = progress; b.historyTokens = historyTokens;
        return b;
    }

    /** The prompt of request {@code n}: directives, then filler words up to about {@code inputTokens} (4 characters each). */
    public String prompt(long n) {
        StringBuilder p = new StringBuilder("Request ").append(n).append(". ");
        if (stamp) {
            p.append("[standin:stamp] ");
        }
        p.append("[standin:length=").append(outputTokens).append("] ");
        for (String d : directives) {
            p.append("[standin:").append(d).append("] ");
        }
        String[] words = {"river", "stone", "light", "garden", "window", "signal", "harbor", "meadow"};
        int target = inputTokens * 4;
        for (int i = 0; p.length() < target; i++) {
            p.append(words[(int) ((n + i) % words.length)]).append(i % 12 == 11 ? ". " : " ");
        }
        return p.toString().trim();
    }

    public static final class Builder {
        private String name = "load";
        private String url;
        private Transport transport = Transport.SSE;
        private boolean rateMode;
        private int concurrency = 16;
        private double rate = 10;
        private boolean poisson;
        private int maxInFlight = 100_000;
        private Duration warmup = Duration.ofSeconds(5);
        private Duration duration = Duration.ofSeconds(20);
        private Duration rampUp = Duration.ZERO;
        private Duration drainTimeout = Duration.ofSeconds(60);
        private boolean cancelAtEnd;
        private int inputTokens = 256;
        private int outputTokens = 128;
        private String model = "llama-4-maverick";
        private boolean stamp = true;
        private List<String> directives = new ArrayList<>();
        private Map<String, String> headers = new LinkedHashMap<>();
        private RequestRecord.TokenCount tokenCount = RequestRecord.TokenCount.WORDS;
        private int clientThreads = 2;
        private boolean progress = true;
        private int historyTokens;

        Builder(String url) {
            this.url = url;
        }

        public Builder name(String v) { name = v; return this; }
        public Builder url(String v) { url = v; return this; }
        public Builder transport(Transport v) { transport = v; return this; }
        public Builder concurrency(int v) { rateMode = false; concurrency = v; return this; }
        public Builder rate(double v) { rateMode = true; rate = v; return this; }
        public Builder poisson(boolean v) { poisson = v; return this; }
        public Builder maxInFlight(int v) { maxInFlight = v; return this; }
        public Builder warmup(Duration v) { warmup = v; return this; }
        public Builder duration(Duration v) { duration = v; return this; }
        public Builder rampUp(Duration v) { rampUp = v; return this; }
        public Builder drainTimeout(Duration v) { drainTimeout = v; return this; }
        public Builder cancelAtEnd(boolean v) { cancelAtEnd = v; return this; }
        public Builder inputTokens(int v) { inputTokens = v; return this; }
        public Builder outputTokens(int v) { outputTokens = v; return this; }
        public Builder model(String v) { model = v; return this; }
        public Builder stamp(boolean v) { stamp = v; return this; }
        public Builder directive(String v) { directives.add(v); return this; }
        public Builder header(String k, String v) { headers.put(k, v); return this; }
        public Builder headers(Map<String, String> v) { headers = new LinkedHashMap<>(v); return this; }
        public Builder tokenCount(RequestRecord.TokenCount v) { tokenCount = v; return this; }
        public Builder clientThreads(int v) { clientThreads = v; return this; }
        public Builder progress(boolean v) { progress = v; return this; }
        public Builder historyTokens(int v) { historyTokens = v; return this; }

        public LoadConfig build() {
            if (concurrency < 1 || rate <= 0 || outputTokens < 1 || inputTokens < 0 || historyTokens < 0) {
                throw new IllegalArgumentException("concurrency and output tokens must be at least 1, rate above 0");
            }
            return new LoadConfig(name, URI.create(url), transport, rateMode, concurrency, rate, poisson, maxInFlight,
                    warmup, duration, rampUp, drainTimeout, cancelAtEnd, inputTokens, outputTokens, model, stamp,
                    List.copyOf(directives), Map.copyOf(headers), tokenCount, clientThreads, progress, historyTokens);
        }
    }
}
