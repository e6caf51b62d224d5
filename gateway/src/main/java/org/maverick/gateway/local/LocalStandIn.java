package org.maverick.gateway.local;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.standin.Timing;
import org.maverick.standin.TritonStandIn;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Starts the Triton stand-in in-process for the one-command local run ({@code -Dquarkus.profile=local}).
 * Only that profile sets {@code gateway.standin.enabled}; everywhere else this does nothing, so a
 * production gateway can never answer from the stand-in. It starts before the Triton endpoint's
 * first probe (lower priority runs first).
 */
@ApplicationScoped
public class LocalStandIn {

    private static final Logger LOG = Logger.getLogger(LocalStandIn.class);

    private final GatewayConfig config;
    private TritonStandIn standIn;

    LocalStandIn(GatewayConfig config) {
        this.config = config;
    }

    void start(@Observes @Priority(10) StartupEvent event) {
        if (!config.standin().enabled()) {
            return;
        }
        try {
            Timing timing = Timing.defaults().withScale(config.standin().timeScale());
            standIn = TritonStandIn.builder().host("127.0.0.1").port(config.standin().port()).timing(timing)
                    .build().start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the Triton stand-in on port " + config.standin().port()
                    + " (gateway.standin.port)", e);
        }
        String banner = "*".repeat(96);
        LOG.warn(banner);
        LOG.warnf("*  LOCAL PROFILE: answers come from the TRITON STAND-IN on 127.0.0.1:%d (a test tool, not Maverick)",
                standIn.port());
        LOG.warnf("*  deterministic text with modelled Maverick FP8 timing (time scale %.2f); set gateway.triton.endpoint",
                config.standin().timeScale());
        LOG.warn("*  and run without -Dquarkus.profile=local to use a real Triton.");
        LOG.warn(banner);
    }

    void stop(@Observes ShutdownEvent event) {
        if (standIn != null) {
            standIn.close();
        }
    }
}
