package org.maverick.gateway.queue.worker;


import jakarta.enterprise.context.ApplicationScoped;
import org.maverick.gateway.queue.KafkaQueue;
import org.maverick.gateway.queue.ReplyRouter;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** {@code /q/health/ready}: when the queue is enabled, up only while Kafka is reachable and its topics checked. */
@Readiness
@ApplicationScoped
public class KafkaReadiness implements HealthCheck {

    private final KafkaQueue queue;
    private final ReplyRouter router;
    private final Worker worker;

    KafkaReadiness(KafkaQueue queue, ReplyRouter router, Worker worker) {
        this.queue = queue;
        this.router = router;
        this.worker = worker;
    }

    @Override
    public HealthCheckResponse call() {
        if (!queue.enabled()) {
            return HealthCheckResponse.named("kafka").up().withData("enabled", false).build();
        }
        var response = HealthCheckResponse.named("kafka").status(queue.ready())
                .withData("instance", queue.instanceId())
                .withData("reply_topic", queue.replyTopic())
                .withData("pending_replies", router.pending())
                .withData("worker_in_flight", worker.inFlight());
        if (!queue.ready()) {
            response.withData("reason", queue.notReadyReason());
        }
        return response.build();
    }
}
