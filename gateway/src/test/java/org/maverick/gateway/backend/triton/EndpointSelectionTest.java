package org.maverick.gateway.backend.triton;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Least-in-flight choice with round robin among equals, and the endpoint setting's parsing. */
class EndpointSelectionTest {

    private static Optional<String> pick(Map<String, Integer> load, List<String> order, int turn) {
        return EndpointSelection.leastInFlight(order, load::get, turn);
    }

    @Test
    void noCandidateNoChoice() {
        assertTrue(EndpointSelection.leastInFlight(List.<String>of(), s -> 0, 0).isEmpty());
    }

    @Test
    void choosesTheFewestInFlight() {
        Map<String, Integer> load = Map.of("a", 3, "b", 1, "c", 2);
        for (int turn = 0; turn < 6; turn++) {
            assertEquals("b", pick(load, List.of("a", "b", "c"), turn).orElseThrow(), "turn " + turn);
        }
    }

    @Test
    void equalsAreTakenRoundRobin() {
        Map<String, Integer> load = Map.of("a", 0, "b", 0, "c", 0);
        List<String> picks = new ArrayList<>();
        for (int turn = 0; turn < 6; turn++) {
            picks.add(pick(load, List.of("a", "b", "c"), turn).orElseThrow());
        }
        assertEquals(List.of("a", "b", "c", "a", "b", "c"), picks);
    }

    @Test
    void roundRobinOnlyAmongTheLeastLoaded() {
        Map<String, Integer> load = Map.of("a", 0, "b", 5, "c", 0);
        List<String> picks = new ArrayList<>();
        for (int turn = 0; turn < 4; turn++) {
            picks.add(pick(load, List.of("a", "b", "c"), turn).orElseThrow());
        }
        assertEquals(List.of("a", "c", "c", "a"), picks);
    }

    @Test
    void aNegativeTurnAfterOverflowStillWorks() {
        assertEquals("a", pick(Map.of("a", 0, "b", 0), List.of("a", "b"), Integer.MIN_VALUE).orElseThrow());
    }

    @Test
    void parsesACommaSeparatedListOfHostPorts() {
        assertEquals(List.of(new TritonPool.HostPort("triton-0", 8001), new TritonPool.HostPort("10.0.0.2", 8001),
                        new TritonPool.HostPort("::1", 9001)),
                TritonPool.parse(" triton-0:8001 , 10.0.0.2:8001,[::1]:9001,triton-0:8001,"));
    }

    @Test
    void aBadEntryFailsNamingTheSettingAndTheEntry() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TritonPool.parse("triton-0:8001,triton-1"));
        assertTrue(e.getMessage().contains("gateway.triton.endpoint"), e.getMessage());
        assertTrue(e.getMessage().contains("'triton-1'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TritonPool.parse(" , "));
        assertThrows(IllegalArgumentException.class, () -> TritonPool.parse("h:0"));
        assertThrows(IllegalArgumentException.class, () -> TritonPool.parse("h:x"));
    }
}
