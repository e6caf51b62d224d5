package org.maverick.gateway.api.realtime;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OpenConnections;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The realtime sockets' part of a graceful stop. The gateway drains by generations, not by HTTP
 * requests: in Quarkus's pre-shutdown phase, while the HTTP server still serves, {@code RoutingBackend}
 * (observer priority 1) refuses new generations and gives running ones
 * {@code gateway.admission.shutdown-grace}, SSE and WebSocket alike. After that, this closes every
 * socket still open with 1001 "going away", so a client knows to reconnect elsewhere instead of
 * reading the close as the end of its conversation; then Quarkus closes the HTTP server.
 *
 * <p>Why not {@code quarkus.shutdown.timeout}: with it set, Quarkus counts HTTP requests in flight
 * and waits for that count to reach zero, but the upgrade request of a WebSocket never ends in its
 * eyes (neither the response's end, close nor exception handler fires after the upgrade, even when
 * the socket closes). One socket opened at any time in the process's life made every stop wait the
 * whole timeout and log "Timed out waiting for graceful shutdown". So the gateway leaves that setting
 * unset and warns at start when an operator sets it.
 */
@ApplicationScoped
class RealtimeShutdown {

    private static final Logger LOG = Logger.getLogger(RealtimeShutdown.class);
    /** RFC 6455: "an endpoint is going away, such as a server going down". */
    private static final int GOING_AWAY = 1001;
    /**
     * How long the stop waits for the close handshakes. A client that does not answer its close
     * frame must not hold the stop; Vert.x closes its connection when the HTTP server stops.
     */
    private static final long CLOSE_WAIT_MILLIS = 2000;

    private final OpenConnections connections;

    RealtimeShutdown(OpenConnections connections) {
        this.connections = connections;
    }

    void warnAboutQuarkusShutdownTimeout(@Observes StartupEvent event) {
        ConfigProvider.getConfig().getOptionalValue("quarkus.shutdown.timeout", String.class)
                .filter(v -> !v.isBlank())
                .ifPresent(v -> LOG.warnf("quarkus.shutdown.timeout is set (%s): Quarkus then waits that long at "
                        + "every stop once any WebSocket was opened, because it never sees an upgraded request end. "
                        + "Streams drain by gateway.admission.shutdown-grace; leave quarkus.shutdown.timeout unset.", v));
    }

    /**
     * Runs after the generations drained (RoutingBackend's observer has priority 1), before the HTTP
     * server closes; {@code quarkus.shutdown.delay-enabled=true} makes ArC fire the event there.
     */
    void closeSockets(@Observes @Priority(2) ShutdownDelayInitiatedEvent event) {
        List<WebSocketConnection> open = connections.stream().filter(WebSocketConnection::isOpen).toList();
        if (open.isEmpty()) {
            return;
        }
        LOG.infof("shutting down: closing %d WebSocket connections (1001 going away)", open.size());
        CountDownLatch closed = new CountDownLatch(open.size());
        for (WebSocketConnection c : open) {
            RealtimeSession session = RealtimeChatSocket.session(c);
            java.util.concurrent.CompletionStage<Void> close = session != null ? session.goAway()
                    : c.close(new CloseReason(GOING_AWAY, "server shutting down")).subscribeAsCompletionStage();
            close.whenComplete((v, failure) -> {
                if (failure != null) {
                    LOG.debugf("websocket %s: close at shutdown failed: %s", c.id(), failure.getMessage());
                }
                closed.countDown();
            });
        }
        try {
            if (!closed.await(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.infof("shutting down: %d WebSocket clients did not answer the close within %d ms",
                        closed.getCount(), CLOSE_WAIT_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
