package org.maverick.gateway.api;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.maverick.gateway.generation.GatewayException;

import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * Where a request is parsed, validated, templated and counted: small requests right on the event
 * loop (a hop to a worker would cost more than the work), large ones on a worker thread so a long
 * prompt never stalls the other streams of that loop. Used by the HTTP routes and the WebSocket alike.
 *
 * <p>Either way the outcome is delivered on the caller's context (the event loop): {@code ready} with
 * the result, or {@code refused} with the failure as a {@link GatewayException}. Offloaded work runs
 * unordered, so one large request does not queue behind another.
 */
public final class ParseDispatch {

    private final int inlineBytes;

    /** @param inlineBytes the largest request parsed on the event loop ({@code gateway.limits.inline-parse-bytes}) */
    public ParseDispatch(int inlineBytes) {
        this.inlineBytes = inlineBytes;
    }

    /** Must be called on the event loop that is to receive the outcome. */
    public <T> void parse(Vertx vertx, int size, Callable<T> work, Consumer<T> ready,
                          Consumer<GatewayException> refused) {
        if (size <= inlineBytes) {
            T result;
            try {
                result = work.call();
            } catch (Exception e) {
                refused.accept(ErrorRenderer.classify(e));
                return;
            }
            // Outside the try: a failure of what the caller does next is not a parse failure.
            ready.accept(result);
        } else {
            Context caller = vertx.getOrCreateContext();
            // Always a later task on the caller's context: a worker that finishes before the listener is attached
            // would otherwise have it run inside this call, which the caller does not expect of offloaded work.
            vertx.executeBlocking(work, false).onComplete(outcome -> caller.runOnContext(v -> {
                if (outcome.succeeded()) {
                    ready.accept(outcome.result());
                } else {
                    refused.accept(ErrorRenderer.classify(outcome.cause()));
                }
            }));
        }
    }
}
