package org.maverick.benchmark.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProcStatsTest {

    @Test
    void cpuTimeIsUtimePlusStimeAfterACommandNameWithSpacesAndParentheses() {
        String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 42 0 100 0 0";
        assertEquals(3.25, ProcStats.cpuSecondsOf(stat), 1e-9);
    }

    @Test
    void memoryFieldsAreReadInKib() {
        String status = "Name:\tjava\nVmPeak:\t 5000 kB\nVmHWM:\t  123456 kB\nVmRSS:\t   65432 kB\n";
        assertEquals(123456, ProcStats.statusKibOf(status, "VmHWM"));
        assertEquals(65432, ProcStats.statusKibOf(status, "VmRSS"));
        assertEquals(-1, ProcStats.statusKibOf(status, "VmSwap"));
    }

    @Test
    void ownProcessIsReadable() throws Exception {
        long pid = ProcessHandle.current().pid();
        assertTrue(ProcStats.cpuSeconds(pid) > 0);
        assertTrue(ProcStats.statusKib(pid, "VmHWM") > 1024);
    }

    @Test
    void threadNamesGroupWithoutTheirNumbers() {
        assertEquals("vert.x-eventloo", ProcStats.threadGroup("vert.x-eventloo"));
        assertEquals("GC Thread", ProcStats.threadGroup("GC Thread#1"));
        assertEquals("C2 CompilerThre", ProcStats.threadGroup("C2 CompilerThre"));
        assertEquals("grpc-nio-worker", ProcStats.threadGroup("grpc-nio-worker-3"));
        assertEquals("G1 Conc", ProcStats.threadGroup("G1 Conc#0"));
        assertEquals("kafka-producer-network-thread", ProcStats.threadGroup("kafka-producer-network-thread"));
    }

    @Test
    void readsThisProcessesThreadsWhileOneOfThemSpins() throws Exception {
        Thread spinner = new Thread(() -> {
            long end = System.nanoTime() + 300_000_000L;
            double x = 0;
            while (System.nanoTime() < end) {
                x += Math.sqrt(x + 1);
            }
            if (x < 0) {
                throw new AssertionError();
            }
        }, "proc-stats-spinner-7");
        spinner.start();
        spinner.join();
        // the spinner has ended; the main thread's group is there with the CPU it used so far
        var groups = ProcStats.threadCpuSeconds(ProcessHandle.current().pid());
        assertFalse(groups.isEmpty());
        double total = groups.values().stream().mapToDouble(c -> c[0] + c[1]).sum();
        assertTrue(total > 0, "threads used some CPU: " + groups.keySet());
        assertTrue(total <= ProcStats.cpuSeconds(ProcessHandle.current().pid()) + 0.05,
                "threads still alive used no more than the process");
    }

    @Test
    void schedstatGivesNanosecondsOnACpu() throws Exception {
        assertEquals(340001744L, ProcStats.schedNanosOf("340001744 560709894 1266\n"));
        java.util.Map<String, Long> own = ProcStats.threadCpuNanos(ProcessHandle.current().pid());
        assertTrue(own.values().stream().mapToLong(Long::longValue).sum() > 0, own.toString());
    }
}
