package org.maverick.benchmark.suite;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * What {@code jfr print --events jdk.ExecutionSample} shows, condensed: the share of CPU samples
 * by top frame (self time), by thread name prefix, and the gateway's own methods anywhere on the
 * stack (total time).
 */
public final class JfrSummary {

    private JfrSummary() {
    }

    public record Entry(String name, long samples, double share) {
    }

    public record Profile(long samples, List<Entry> topFrames, List<Entry> threads, List<Entry> gatewayMethods) {
    }

    public static Profile read(Path recording, int top) throws IOException {
        Map<String, Long> self = new HashMap<>();
        Map<String, Long> threads = new HashMap<>();
        Map<String, Long> gateway = new HashMap<>();
        long total = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) {
                continue;
            }
            total++;
            List<RecordedFrame> frames = e.getStackTrace().getFrames();
            if (!frames.isEmpty()) {
                self.merge(method(frames.get(0)), 1L, Long::sum);
            }
            var thread = e.getThread("sampledThread");
            String name = thread == null || thread.getJavaName() == null ? "?" : thread.getJavaName();
            threads.merge(name.replaceAll("[-#]?\\d+$", "").replaceAll("-\\d+-thread", "-thread"), 1L, Long::sum);
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (RecordedFrame f : frames) {
                String m = method(f);
                if (m.startsWith("org.maverick.") && seen.add(m)) {
                    gateway.merge(m, 1L, Long::sum);
                }
            }
        }
        return new Profile(total, top(self, total, top), top(threads, total, top), top(gateway, total, top));
    }

    private static String method(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static List<Entry> top(Map<String, Long> counts, long total, int n) {
        List<Entry> out = new ArrayList<>();
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n)
                .forEach(e -> out.add(new Entry(e.getKey(), e.getValue(), total == 0 ? 0 : (double) e.getValue() / total)));
        return out;
    }
}
