package org.maverick.benchmark.suite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A process's CPU time and memory as Linux reports them: {@code /proc/<pid>/stat} fields 14 and 15
 * (utime, stime, in clock ticks of 1/100 s: USER_HZ is 100 on Linux) and {@code /proc/<pid>/status}
 * {@code VmHWM} (peak resident set) and {@code VmRSS} (resident set now), in KiB.
 */
public final class ProcStats {

    static final double TICKS_PER_SECOND = 100.0;

    private ProcStats() {
    }

    /** User + system CPU seconds used so far. */
    public static double cpuSeconds(long pid) throws IOException {
        return cpuSecondsOf(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    }

    static double cpuSecondsOf(String stat) {
        // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
        long utime = Long.parseLong(f[11]);
        long stime = Long.parseLong(f[12]);
        return (utime + stime) / TICKS_PER_SECOND;
    }

    /**
     * CPU seconds used so far by each group of the process's threads, user and system apart:
     * {@code /proc/<pid>/task/<tid>/stat}, threads grouped by name with their numbers dropped
     * ({@code vert.x-eventloo}, {@code C2 CompilerThre}, {@code GC Thread}: Linux keeps 15 characters).
     * Threads that ended are gone from the figures; the groups that matter here live as long as the process.
     */
    public static Map<String, double[]> threadCpuSeconds(long pid) throws IOException {
        Map<String, double[]> groups = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException ended) {
                    continue;
                }
                String name = threadGroup(stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
                double[] cpu = groups.computeIfAbsent(name, k -> new double[2]);
                cpu[0] += Long.parseLong(f[11]) / TICKS_PER_SECOND;
                cpu[1] += Long.parseLong(f[12]) / TICKS_PER_SECOND;
            }
        }
        return groups;
    }

    /**
     * Nanoseconds on a CPU so far by each group of the process's threads (grouped as {@link #threadCpuSeconds}):
     * the first field of {@code /proc/<pid>/task/<tid>/schedstat}, the scheduler's own count, exact to the
     * nanosecond where /proc's stat has 10 ms ticks.
     */
    public static Map<String, Long> threadCpuNanos(long pid) throws IOException {
        Map<String, Long> groups = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String comm;
                String schedstat;
                try {
                    comm = Files.readString(task.resolve("comm")).strip();
                    schedstat = Files.readString(task.resolve("schedstat"));
                } catch (IOException ended) {
                    continue;
                }
                groups.merge(threadGroup(comm), schedNanosOf(schedstat), Long::sum);
            }
        }
        return groups;
    }

    static long schedNanosOf(String schedstat) {
        return Long.parseLong(schedstat.trim().split(" +")[0]);
    }

    /** A thread name without its number: "vert.x-eventloo" stays, "GC Thread#1" → "GC Thread", "grpc-nio-worker-3" → "grpc-nio-worker". */
    static String threadGroup(String comm) {
        return comm.replaceAll("[-#_ ]?\\d+$", "").replaceAll("[-#_ ]$", "");
    }

    /** A {@code /proc/<pid>/status} field in KiB (VmHWM, VmRSS), or -1 when absent. */
    public static long statusKib(long pid, String field) throws IOException {
        return statusKibOf(Files.readString(Path.of("/proc", Long.toString(pid), "status")), field);
    }

    static long statusKibOf(String status, String field) {
        for (String line : status.split("\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
            }
        }
        return -1;
    }
}
