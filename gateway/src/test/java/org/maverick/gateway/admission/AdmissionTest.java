package org.maverick.gateway.admission;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.telemetry.GatewayMetrics;

import java.lang.reflect.Constructor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admission rules on their own: fairness between tenants, refunds, queued bounds. */
class AdmissionTest {

    private static Admission admission(Map<String, String> settings) throws Exception {
        Map<String, String> values = new HashMap<>(settings);
        values.put("gateway.triton.endpoint", "t:1");
        GatewayConfig config = new SmallRyeConfigBuilder().withMapping(GatewayConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter()).withDefaultValues(values).build()
                .getConfigMapping(GatewayConfig.class);
        Constructor<GatewayMetrics> m = GatewayMetrics.class.getDeclaredConstructor(io.micrometer.core.instrument.MeterRegistry.class);
        m.setAccessible(true);
        Constructor<Admission> a = Admission.class.getDeclaredConstructor(GatewayConfig.class, GatewayMetrics.class);
        a.setAccessible(true);
        return a.newInstance(config, m.newInstance(new SimpleMeterRegistry()));
    }

    private static Generation g(String tenant, int maxTokens, Generation.Dispatch dispatch) {
        return new Generation("id-" + System.nanoTime(), "m", Generation.Kind.CHAT, "p", 10, true,
                new Generation.Sampling(maxTokens, 0.5, 0.9, 0, 0, OptionalLong.empty()), List.of(), true, false, 0,
                dispatch, tenant);
    }

    @Test
    void waitingTenantsTakeTurnsSoABurstCannotStarveOthers() throws Exception {
        Admission admission = admission(Map.of("gateway.admission.max-in-flight", "1",
                "gateway.admission.max-waiting", "10", "gateway.admission.max-wait", "30s"));
        Admission.Permit first = admission.admit(g("burst", 10, Generation.Dispatch.DIRECT)).await().indefinitely();
        List<String> order = new ArrayList<>();
        List<Admission.Permit> granted = new ArrayList<>();
        for (String tenant : List.of("burst", "burst", "burst", "quiet")) {
            admission.admit(g(tenant, 10, Generation.Dispatch.DIRECT)).subscribe().with(p -> {
                order.add(tenant);
                granted.add(p);
            });
        }
        first.release(5);
        for (int i = 0; i < 3; i++) {
            granted.get(granted.size() - 1).release(5);
        }
        assertEquals(List.of("burst", "quiet", "burst", "burst"), order.subList(0, 4),
                "the quiet tenant is served second, not after the whole burst");
    }

    @Test
    void unusedOutputTokensAreRefunded() throws Exception {
        Admission admission = admission(Map.of("gateway.admission.anonymous-tokens-per-minute", "1000"));
        Admission.Permit p = admission.admit(g("anonymous", 900, Generation.Dispatch.DIRECT)).await().indefinitely();
        assertThrows(GatewayException.RateLimited.class,
                () -> admission.admit(g("anonymous", 900, Generation.Dispatch.DIRECT)).await().indefinitely());
        p.release(10); // generated only 10 of 900
        admission.admit(g("anonymous", 800, Generation.Dispatch.DIRECT)).await().indefinitely();
    }

    @Test
    void queuedRequestsAreBoundedPerInstance() throws Exception {
        Admission admission = admission(Map.of("gateway.admission.max-queued", "2"));
        admission.admit(g("anonymous", 1, Generation.Dispatch.QUEUED)).await().indefinitely();
        admission.admit(g("anonymous", 1, Generation.Dispatch.QUEUED)).await().indefinitely();
        GatewayException.RateLimited e = assertThrows(GatewayException.RateLimited.class,
                () -> admission.admit(g("anonymous", 1, Generation.Dispatch.QUEUED)).await().indefinitely());
        assertTrue(e.getMessage().contains("max-queued"));
        assertEquals("capacity_exceeded", e.code());
    }
}
