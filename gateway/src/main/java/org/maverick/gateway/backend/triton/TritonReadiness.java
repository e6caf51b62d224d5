package org.maverick.gateway.backend.triton;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** {@code /q/health/ready}: up only while Triton's server and model are ready and the model's contract is known. */
@Readiness
@ApplicationScoped
public class TritonReadiness implements HealthCheck {

    private final TritonEndpoint endpoint;

    TritonReadiness(TritonEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("triton").status(endpoint.ready())
                .withData("endpoint", endpoint.address());
        endpoint.contract().ifPresent(c -> response.withData("contract", c.describe()));
        if (!endpoint.ready()) {
            response.withData("reason", endpoint.notReadyReason());
        }
        return response.build();
    }
}
