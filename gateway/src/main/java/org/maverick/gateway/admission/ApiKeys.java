package org.maverick.gateway.admission;

import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * API keys: only their SHA-256 digests are configured, a presented key is hashed and looked up.
 * Keys are never stored, logged or echoed; errors say only that the key is missing or unknown.
 */
@ApplicationScoped
public class ApiKeys {

    private static final Logger LOG = Logger.getLogger(ApiKeys.class);
    /** The tenant of requests when auth is off. */
    public static final String ANONYMOUS = "anonymous";

    private final boolean enabled;
    private final Map<String, String> tenantByDigest = new HashMap<>();

    ApiKeys(GatewayConfig config) {
        this.enabled = config.auth().enabled();
        config.auth().tenants().forEach((tenant, t) -> t.keySha256().forEach(d -> {
            String digest = d.trim().toLowerCase(Locale.ROOT);
            if (!digest.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("gateway.auth.tenants." + tenant + ".key-sha256 must be hex SHA-256 "
                        + "digests (64 hex digits): printf %s \"$KEY\" | sha256sum");
            }
            tenantByDigest.put(digest, tenant);
        }));
        if (enabled && tenantByDigest.isEmpty()) {
            LOG.warn("gateway.auth.enabled=true but no API keys are configured (gateway.auth.tenants.*.key-sha256): "
                    + "every API request will be refused with 401");
        } else if (!enabled) {
            LOG.warn("gateway.auth.enabled=false: API requests are not authenticated (local use only)");
        }
    }

    public boolean enabled() {
        return enabled;
    }

    /** The tenant of an {@code Authorization} header value ({@code Bearer <key>}), or a 401. */
    public String tenantOfHeader(String authorization) {
        if (!enabled) {
            return ANONYMOUS;
        }
        if (authorization == null || authorization.isBlank()) {
            throw new GatewayException.Unauthorized("You didn't provide an API key. Send it as an Authorization "
                    + "header: 'Authorization: Bearer YOUR_KEY'.");
        }
        String value = authorization.trim();
        if (!value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new GatewayException.Unauthorized("The Authorization header must be 'Bearer YOUR_KEY'.");
        }
        return tenantOfKey(value.substring(7).trim());
    }

    /** The tenant of a bare key (first WebSocket message), or a 401. */
    public String tenantOfKey(String key) {
        if (!enabled) {
            return ANONYMOUS;
        }
        if (key == null || key.isEmpty()) {
            throw new GatewayException.Unauthorized("You didn't provide an API key.");
        }
        String tenant = tenantByDigest.get(digest(key));
        if (tenant == null) {
            throw new GatewayException.Unauthorized("Incorrect API key provided.");
        }
        return tenant;
    }

    /** Whether a name (say, a Kafka record's caller header) is a configured tenant. */
    public Optional<String> knownTenant(String name) {
        if (!enabled) {
            return Optional.of(name == null || name.isBlank() ? ANONYMOUS : name);
        }
        return name != null && tenantByDigest.containsValue(name) ? Optional.of(name) : Optional.empty();
    }

    static String digest(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
