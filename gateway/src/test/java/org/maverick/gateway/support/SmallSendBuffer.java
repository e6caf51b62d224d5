package org.maverick.gateway.support;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Test fixture: with {@code maverick.test.http-send-buffer-bytes} set (by a test profile), the HTTP
 * server's sockets get that small a kernel send buffer, so that a client that does not read backs up
 * the gateway's own write queue within a few hundred kilobytes, as across a real network, instead of
 * first filling loopback's autotuned buffers (up to tcp_wmem's 4 MiB) that are no part of the gateway.
 */
@Singleton
public class SmallSendBuffer implements HttpServerOptionsCustomizer {

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        ConfigProvider.getConfig().getOptionalValue("maverick.test.http-send-buffer-bytes", Integer.class)
                .ifPresent(options::setSendBufferSize);
    }
}
