package org.maverick.gateway.responses;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * {@code /q/health/ready}: an instance that stores responses is ready only once its copy of the store was loaded,
 * so that no request reaches it while every read of a stored response (and every {@code previous_response_id})
 * would wait out {@code gateway.responses.read-wait} and fail. Once loaded it stays up: a later restart of Kafka
 * Streams affects only those reads (they wait, as they do for the copy's lag), not the instance's other work.
 */
@Readiness
@ApplicationScoped
public class ResponseStoreReadiness implements HealthCheck {

    private final ResponseStore store;

    ResponseStoreReadiness(ResponseStore store) {
        this.store = store;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("responses").status(store.loaded())
                .withData("enabled", store.available());
        if (!store.loaded()) {
            response.withData("reason", "loading this instance's copy of the stored responses (Kafka Streams)");
        }
        return response.build();
    }
}
