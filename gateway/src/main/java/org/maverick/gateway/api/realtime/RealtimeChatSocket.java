package org.maverick.gateway.api.realtime;

import org.maverick.gateway.queue.Messages;
import org.maverick.gateway.queue.QueuedBackend;
import org.maverick.gateway.request.RequestValidator;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.UserData;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import io.vertx.core.Vertx;
import org.maverick.gateway.api.EdgeAuth;
import org.maverick.gateway.api.ParseDispatch;
import org.maverick.gateway.backend.Backend;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.image.ImageIntake;
import org.maverick.gateway.telemetry.GatewayMetrics;

/**
 * The realtime chat WebSocket, {@code /v1/realtime/chat}: many generations at once over one socket,
 * each named by a client-chosen id ({@code create}, {@code cancel}, {@code ping} in; {@code chunk},
 * {@code done}, {@code cancelled}, {@code error}, {@code pong} out). The protocol is documented in
 * the README and in {@code docs/websocket-asyncapi.yaml}.
 *
 * <p>Requests go through the same pipeline as the HTTP edge: the same authentication ({@link EdgeAuth}),
 * the OpenAI wire record, the {@link RequestValidator} where {@link ParseDispatch} runs it, ids from
 * {@code RequestIds}, the injected {@link Backend}.
 *
 * <p>All callbacks run on the socket's event loop (non-blocking) and one message at a time; the
 * per-socket state lives in a {@link RealtimeSession} kept in the connection's user data.
 */
@WebSocket(path = "/v1/realtime/chat")
public class RealtimeChatSocket {

    private static final UserData.TypedKey<RealtimeSession> SESSION = new UserData.TypedKey<>("realtime-session");

    private final RequestValidator validator;
    private final Backend backend;
    private final ObjectMapper json;
    private final GatewayConfig config;
    private final GatewayMetrics metrics;
    private final EdgeAuth auth;
    private final ParseDispatch parsing;
    private final ImageIntake images;
    private final QueuedBackend queued;

    RealtimeChatSocket(RequestValidator validator, Backend backend, ObjectMapper json, GatewayConfig config,
                       GatewayMetrics metrics, EdgeAuth auth, ImageIntake images, QueuedBackend queued) {
        this.images = images;
        this.queued = queued;
        this.metrics = metrics;
        this.auth = auth;
        this.parsing = new ParseDispatch(GatewayConfig.inlineParseBytes(config));
        this.validator = validator;
        this.backend = backend;
        this.json = json;
        this.config = config;
    }

    /** The session of a socket this endpoint opened, or null (another endpoint's, or not opened yet). */
    static RealtimeSession session(WebSocketConnection connection) {
        return connection.userData().get(SESSION);
    }

    @OnOpen
    @NonBlocking
    void open(WebSocketConnection connection) {
        // Without a ticket or a good Authorization header the client authenticates with its first message.
        var tenant = auth.tenantAtOpen(connection.handshakeRequest().query(),
                connection.handshakeRequest().header("Authorization"));
        connection.userData().put(SESSION, new RealtimeSession(connection, Vertx.currentContext(), validator, backend,
                json, config, metrics, auth, parsing, images, tenant,
                requestId -> queued.sendControl(requestId, Messages.Control.CANCEL, null)));
    }

    @OnTextMessage
    @NonBlocking
    void message(WebSocketConnection connection, String text) {
        RealtimeSession session = connection.userData().get(SESSION);
        if (session != null) {
            session.onMessage(text);
        }
    }

    @OnClose
    @NonBlocking
    void close(WebSocketConnection connection) {
        RealtimeSession session = connection.userData().remove(SESSION);
        if (session != null) {
            session.onClose();
        }
    }
}
