package org.maverick.gateway.backend.triton;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * {@code /q/health/ready}: up while at least one Triton endpoint of the pool takes requests (server and
 * model ready, contract known and agreeing, circuit breaker closed). The data shows each endpoint as
 * {@code <host:port>.ready}, {@code .in_flight}, {@code .breaker} ({@code closed}, {@code open},
 * {@code half_open}) and, when it takes no requests, {@code .reason}.
 */
@Readiness
@ApplicationScoped
public class TritonReadiness implements HealthCheck {

    private final TritonPool pool;

    TritonReadiness(TritonPool pool) {
        this.pool = pool;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("triton").status(pool.ready())
                .withData("endpoints", pool.addresses());
        pool.contract().ifPresent(c -> response.withData("contract", c.describe()));
        long available = 0;
        for (TritonEndpoint e : pool.endpoints()) {
            String a = e.address();
            boolean takes = e.available();
            available += takes ? 1 : 0;
            response.withData(a + ".ready", e.ready())
                    .withData(a + ".in_flight", e.inFlight())
                    .withData(a + ".breaker", e.breakerState().wire());
            if (!takes) {
                response.withData(a + ".reason", e.reason());
            }
        }
        response.withData("available", available);
        return response.build();
    }
}
