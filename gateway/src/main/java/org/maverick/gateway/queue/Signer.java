package org.maverick.gateway.queue;

import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;
import org.maverick.gateway.config.GatewayConfig;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Optional;

/**
 * HMAC-SHA256 with the secret all instances share ({@code gateway.queue.resume-secret}): what makes a
 * resume URL, a WebSocket ticket or a pre-validated queued request verifiable by any instance and
 * unforgeable by anyone else. Without the setting a random key is made, and only this instance can
 * verify what it signed. Thread-safe.
 */
@ApplicationScoped
public class Signer {

    private static final Logger LOG = Logger.getLogger(Signer.class);
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;
    private final boolean shared;

    @jakarta.inject.Inject // two constructors: CDI must be told which one is the bean's
    Signer(GatewayConfig config) {
        this(config.queue().resumeSecret().filter(s -> !s.isBlank()));
        if (!shared && config.queue().enabled().orElse(config.mode() == GatewayConfig.Mode.QUEUED)) {
            LOG.warn("gateway.queue.resume-secret is not set: resume URLs work only on this instance, and other "
                    + "instances' workers re-validate this instance's queued requests. Give all instances the same "
                    + "secret so that any of them can resume any stream and trust any instance's requests.");
        }
    }

    /** A signer with this secret, or a random key when there is none (tests and tools). */
    public Signer(Optional<String> secret) {
        byte[] bytes;
        if (secret.isPresent()) {
            bytes = secret.get().getBytes(StandardCharsets.UTF_8);
        } else {
            bytes = new byte[32];
            new SecureRandom().nextBytes(bytes);
        }
        this.key = new SecretKeySpec(bytes, ALGORITHM);
        this.shared = secret.isPresent();
    }

    /** Whether every instance configured with the same secret can verify this instance's signatures. */
    public boolean shared() {
        return shared;
    }

    public byte[] sign(byte[] payload) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(payload);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    /** Constant-time comparison of the signature with the payload's own. */
    public boolean verify(byte[] payload, byte[] signature) {
        return signature != null && MessageDigest.isEqual(signature, sign(payload));
    }
}
