package org.maverick.gateway.queue;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;

import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;

/**
 * Resume tokens: where a queued request's events are (topic, partition, and the time its first event
 * can be no earlier than), signed with HMAC-SHA256 so that they cannot be forged or guessed. An
 * EventSource cannot send an {@code Authorization} header, so the token in the URL is the credential.
 */
@ApplicationScoped
public class ResumeTokens {

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    /**
     * What a token locates, and how the stream was shaped.
     *
     * @param since        epoch millis no later than the request's first event
     * @param kind         {@code chat} or {@code completion}
     * @param includeUsage whether the client asked for the usage chunk
     */
    public record Location(@JsonProperty("r") String requestId, @JsonProperty("t") String topic,
                           @JsonProperty("p") int partition, @JsonProperty("s") long since,
                           @JsonProperty("k") String kind, @JsonProperty("u") boolean includeUsage) {
    }

    private final Signer signer;
    private final ObjectMapper json;

    ResumeTokens(Signer signer, ObjectMapper json) {
        this.signer = signer;
        this.json = json;
    }

    public String issue(Location location) {
        try {
            byte[] payload = json.writeValueAsBytes(location);
            return B64.encodeToString(payload) + "." + B64.encodeToString(mac(payload));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The location, if the token is well-formed and was signed with this gateway's secret. */
    public Optional<Location> verify(String token) {
        int dot = token.indexOf('.');
        if (dot <= 0 || dot == token.length() - 1) {
            return Optional.empty();
        }
        try {
            byte[] payload = B64D.decode(token.substring(0, dot));
            byte[] signature = B64D.decode(token.substring(dot + 1));
            if (!MessageDigest.isEqual(signature, mac(payload))) {
                return Optional.empty();
            }
            return Optional.of(json.readValue(payload, Location.class));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /** A short-lived WebSocket ticket: which tenant, until when. */
    public record Ticket(@JsonProperty("tenant") String tenant, @JsonProperty("exp") long expiresAt) {
    }

    /**
     * A ticket for browsers, which cannot send an Authorization header on a WebSocket: signed like
     * resume tokens, so that any instance accepts it, and valid for a short time only.
     */
    public String issueTicket(String tenant, java.time.Duration ttl) {
        try {
            byte[] payload = json.writeValueAsBytes(new Ticket(tenant, System.currentTimeMillis() + ttl.toMillis()));
            return "t." + B64.encodeToString(payload) + "." + B64.encodeToString(mac(payload));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The tenant of a valid, unexpired ticket. */
    public Optional<String> verifyTicket(String ticket) {
        if (ticket == null || !ticket.startsWith("t.")) {
            return Optional.empty();
        }
        String token = ticket.substring(2);
        int dot = token.indexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        try {
            byte[] payload = B64D.decode(token.substring(0, dot));
            if (!MessageDigest.isEqual(B64D.decode(token.substring(dot + 1)), mac(payload))) {
                return Optional.empty();
            }
            Ticket t = json.readValue(payload, Ticket.class);
            return t.expiresAt() > System.currentTimeMillis() ? Optional.of(t.tenant()) : Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private byte[] mac(byte[] payload) {
        return signer.sign(payload);
    }
}
