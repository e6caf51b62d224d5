package org.maverick.benchmark.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
