package org.maverick.gateway.support;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.List;
import java.util.Map;

/**
 * The gateway in front of a pool of Triton stand-ins ({@link StandInPoolResource}), with a quick
 * readiness probe and a circuit breaker that opens after 3 consecutive failures for 1 s, so pool
 * tests run in seconds. A profile of its own, so other tests keep their single stand-in.
 */
public class StandInPoolProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "gateway.triton.endpoint", StandInPoolResource.endpoints(),
                "gateway.triton.readiness-interval", "100ms",
                "gateway.triton.breaker.failure-threshold", "3",
                "gateway.triton.breaker.cool-down", "1s");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(StandInPoolResource.class));
    }
}
