package org.maverick.gateway.config;

/**
 * How large a queued request can be, from the limits a valid request is held to: the size the producers'
 * {@code max.request.size} and the requests (and dead-letter) topic's {@code max.message.bytes} must allow,
 * so that no request the edge accepts is refused by Kafka. The Helm chart computes the same number
 * (templates/_helpers.tpl, {@code maverick.largestQueuedRequest}); tests hold the two and
 * {@code kafka/topics.yaml} to it.
 *
 * <p>The largest queued form (a prevalidated record, {@code PrevalidatedRequests.Form}) is bounded by:
 * <ul>
 *   <li>{@code 2 x gateway.limits.max-body-bytes}: the body's text once in the rendered prompt, plus at most
 *       as much again for the template's headers around each message (each message costs at least ~30 bytes
 *       of body, its headers ~50) and the tool definitions kept beside the prompt for strict checks. A
 *       {@code data:} URI's picture moves from the body into the record's {@code images} at the same
 *       base64 size, so it is counted once, within the body;</li>
 *   <li>{@code 4/3 x gateway.images.max-total-bytes}: pictures the gateway fetched from URLs, which are not
 *       in the body, as base64 {@code data:} URIs;</li>
 *   <li>{@link #ENVELOPE_BYTES}: ids, timestamps, sampling fields, the signature, the per-picture
 *       {@code data:image/...;base64,} prefixes and JSON punctuation;</li>
 * </ul>
 * rounded up to a whole MiB. With the defaults (4 MiB, 20 MiB) that is 35 MiB.
 */
public final class QueuedSizes {

    /** Room for everything of a queued record that is neither prompt nor picture (a few KiB in practice). */
    public static final long ENVELOPE_BYTES = 64 * 1024;
    private static final long MIB = 1024 * 1024;

    private QueuedSizes() {
    }

    /** The largest queued request a valid request can become, for these limits (bytes, a whole MiB). */
    public static long largestQueuedRequest(long maxBodyBytes, long maxTotalImageBytes) {
        long fetchedAsBase64 = 4 * ((maxTotalImageBytes + 2) / 3);
        long bound = 2 * maxBodyBytes + fetchedAsBase64 + ENVELOPE_BYTES;
        return (bound + MIB - 1) / MIB * MIB;
    }

    /** The same for this gateway's configuration. */
    public static long largestQueuedRequest(GatewayConfig config) {
        return largestQueuedRequest(config.limits().maxBodyBytes(), config.images().maxTotalBytes());
    }
}
