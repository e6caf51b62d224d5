package org.maverick.gateway.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Starts a {@link PictureServer} and lets the gateway fetch from it: its loopback addresses allow-listed,
 * its self-signed certificate the only one trusted for fetches, a megabyte per picture, two seconds per
 * fetch (so the stalled-server test is short).
 */
public class PictureServerResource implements QuarkusTestResourceLifecycleManager {

    private static volatile PictureServer server;

    public static PictureServer server() {
        return server;
    }

    @Override
    public Map<String, String> start() {
        try {
            server = new PictureServer();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return Map.of(
                "gateway.images.fetch.allow", "127.0.0.1/32,::1/128",
                "gateway.images.fetch.trust-certificates", server.certificatePem().toString(),
                "gateway.images.max-bytes", Integer.toString(1 << 20),
                "gateway.images.fetch.timeout", "2s");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
