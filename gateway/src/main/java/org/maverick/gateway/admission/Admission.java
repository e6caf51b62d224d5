package org.maverick.gateway.admission;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.telemetry.GatewayMetrics;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Says yes or no to a generation before its response starts: the tenant's concurrent generations
 * and token budget, then this instance's capacity: a maximum of direct generations in flight with a
 * bounded, fair wait queue (tenants take turns through {@link TenantTurns}, so one tenant's burst
 * cannot starve the others), and a bound on queued requests admitted but not finished. Every no is a
 * 429 naming the limit, with a {@code Retry-After}. All limits are per instance: a deployment of N
 * instances allows N times each.
 *
 * <p>One lock guards the counters; it is taken twice per request (admit, release), never per token.
 */
@ApplicationScoped
public class Admission {

    private final GatewayConfig config;
    private final Map<String, TenantState> tenants = new HashMap<>();
    private final Map<String, Deque<Waiter>> waiting = new LinkedHashMap<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "admission-timers");
        t.setDaemon(true);
        return t;
    });
    private int directInFlight;
    private int queuedOutstanding;
    private int waitingCount;
    /** Which waiting tenant gets the next freed direct slot. */
    private final TenantTurns turns = new TenantTurns();

    Admission(GatewayConfig config, GatewayMetrics metrics) {
        this.config = config;
        config.auth().tenants().forEach((name, t) -> tenants.put(name,
                new TenantState(name, t.maxConcurrent(), t.tokensPerMinute(),
                        "gateway.auth.tenants." + name)));
        metrics.gauge("maverick.gateway.admission.waiting", "Direct requests waiting for a slot on this instance.",
                this::waitingCount);
    }

    /** A granted generation: release it exactly once, when it ends, with the output tokens it used. */
    public final class Permit {
        private final TenantState tenant;
        private final boolean queued;
        private final long reserved;
        private final int maxTokens;
        private boolean released;

        Permit(TenantState tenant, boolean queued, long reserved, int maxTokens) {
            this.tenant = tenant;
            this.queued = queued;
            this.reserved = reserved;
            this.maxTokens = maxTokens;
        }

        public void release(int completionTokens) {
            java.util.List<Runnable> handOver = new java.util.ArrayList<>();
            synchronized (Admission.this) {
                if (released) {
                    return;
                }
                released = true;
                tenant.inFlight--;
                // Unused output tokens go back to the budget: only what was generated is charged.
                tenant.refund(Math.max(0, maxTokens - Math.max(0, completionTokens)));
                if (queued) {
                    queuedOutstanding--;
                } else {
                    directInFlight--;
                    grantWaiters(handOver);
                }
            }
            // Waiters are told outside the lock: their subscribers start work right away.
            handOver.forEach(Runnable::run);
        }
    }

    /**
     * Admits a generation for its tenant ({@link Generation#caller()}). Completes with a permit now,
     * or after a bounded wait for a direct slot; fails with {@link GatewayException.RateLimited}.
     */
    public Uni<Permit> admit(Generation g) {
        return Uni.createFrom().emitter(emitter -> admit(g, emitter));
    }

    private void admit(Generation g, UniEmitter<? super Permit> emitter) {
        Runnable outcome;
        synchronized (this) {
            outcome = decide(g, emitter);
        }
        outcome.run(); // outside the lock: the subscriber starts its work from here
    }

    private Runnable decide(Generation g, UniEmitter<? super Permit> emitter) {
        TenantState tenant = tenant(g.caller());
        long need = (long) g.promptTokens() + g.sampling().maxTokens();
        GatewayException refusal = tenant.refusal(need);
        if (refusal != null) {
            return () -> emitter.fail(refusal);
        }
        boolean queued = g.dispatch() == Generation.Dispatch.QUEUED;
        if (queued) {
            if (queuedOutstanding >= config.admission().maxQueued()) {
                GatewayException e = capacity("This gateway instance has " + queuedOutstanding + " queued requests in "
                        + "flight, its limit (gateway.admission.max-queued); retry shortly.", Duration.ofSeconds(2));
                return () -> emitter.fail(e);
            }
            queuedOutstanding++;
            Permit p = grant(tenant, need, true, g);
            return () -> emitter.complete(p);
        }
        if (directInFlight < config.admission().maxInFlight() && waitingCount == 0) {
            directInFlight++;
            Permit p = grant(tenant, need, false, g);
            return () -> emitter.complete(p);
        }
        if (waitingCount >= config.admission().maxWaiting()) {
            GatewayException e = capacity("This gateway instance is at capacity: " + directInFlight + " generations in "
                    + "flight (gateway.admission.max-in-flight) and " + waitingCount + " waiting "
                    + "(gateway.admission.max-waiting); retry shortly.", Duration.ofSeconds(1));
            return () -> emitter.fail(e);
        }
        Waiter w = new Waiter(g, tenant, need, emitter);
        waiting.computeIfAbsent(tenant.name, k -> new ArrayDeque<>()).addLast(w);
        waitingCount++;
        w.timeout = timers.schedule(() -> expire(w), config.admission().maxWait().toMillis(), TimeUnit.MILLISECONDS);
        // a client that leaves while waiting gives its place up
        emitter.onTermination(() -> abandon(w));
        return () -> { };
    }

    private Permit grant(TenantState tenant, long need, boolean queued, Generation g) {
        tenant.inFlight++;
        tenant.charge(need);
        return new Permit(tenant, queued, need, g.sampling().maxTokens());
    }

    /** Hands freed direct slots to waiters, one tenant after another (round robin over tenants). */
    private void grantWaiters(java.util.List<Runnable> handOver) {
        while (directInFlight < config.admission().maxInFlight() && waitingCount > 0) {
            Waiter next = nextWaiter();
            if (next == null) {
                return;
            }
            next.timeout.cancel(false);
            GatewayException refusal = next.tenant.refusal(next.need);
            if (refusal != null) {
                handOver.add(() -> next.emitter.fail(refusal));
                continue;
            }
            directInFlight++;
            Permit p = grant(next.tenant, next.need, false, next.generation);
            handOver.add(() -> next.emitter.complete(p));
        }
    }

    private Waiter nextWaiter() {
        // Every deque in `waiting` holds a waiter: a tenant's entry goes with its last waiter.
        String name = turns.next(waiting.keySet());
        if (name == null) {
            return null;
        }
        Deque<Waiter> q = waiting.get(name);
        Waiter w = q.pollFirst();
        if (q.isEmpty()) {
            waiting.remove(name);
        }
        waitingCount--;
        return w;
    }

    private void expire(Waiter w) {
        boolean removed;
        synchronized (this) {
            removed = remove(w);
        }
        if (removed) {
            w.emitter.fail(capacity("No generation slot freed up within " + config.admission().maxWait().toSeconds()
                    + " s (gateway.admission.max-wait); the gateway is at capacity, retry shortly.", Duration.ofSeconds(2)));
        }
    }

    private synchronized void abandon(Waiter w) {
        if (remove(w)) {
            w.timeout.cancel(false);
        }
    }

    private boolean remove(Waiter w) {
        Deque<Waiter> q = waiting.get(w.tenant.name);
        if (q != null && q.remove(w)) {
            waitingCount--;
            if (q.isEmpty()) {
                waiting.remove(w.tenant.name);
            }
            return true;
        }
        return false;
    }

    private synchronized int waitingCount() {
        return waitingCount;
    }

    private TenantState tenant(String name) {
        return tenants.computeIfAbsent(name, n -> new TenantState(n, config.admission().anonymousMaxConcurrent(),
                config.admission().anonymousTokensPerMinute(), "gateway.admission.anonymous"));
    }

    private static GatewayException capacity(String message, Duration retryAfter) {
        return new GatewayException.RateLimited("requests", "capacity_exceeded", message, retryAfter);
    }

    private static final class Waiter {
        final Generation generation;
        final TenantState tenant;
        final long need;
        final UniEmitter<? super Permit> emitter;
        ScheduledFuture<?> timeout;

        Waiter(Generation generation, TenantState tenant, long need, UniEmitter<? super Permit> emitter) {
            this.generation = generation;
            this.tenant = tenant;
            this.need = need;
            this.emitter = emitter;
        }
    }

    /** One tenant's concurrency and token bucket (refilled continuously at tokensPerMinute / 60 per second). */
    static final class TenantState {
        final String name;
        final int maxConcurrent;
        final long tokensPerMinute;
        final String setting;
        int inFlight;
        double tokens;
        long refilledAt = System.nanoTime();

        TenantState(String name, int maxConcurrent, long tokensPerMinute, String setting) {
            this.name = name;
            this.maxConcurrent = maxConcurrent;
            this.tokensPerMinute = tokensPerMinute;
            this.setting = setting;
            this.tokens = tokensPerMinute;
        }

        GatewayException refusal(long need) {
            if (inFlight >= maxConcurrent) {
                return new GatewayException.RateLimited("requests", "rate_limit_exceeded", "Tenant '" + name
                        + "' is at its limit of " + maxConcurrent + " concurrent generations (" + setting
                        + ".max-concurrent); wait for one to finish.", Duration.ofSeconds(1));
            }
            if (need > tokensPerMinute) {
                return new GatewayException.RateLimited("tokens", "rate_limit_exceeded", "This request needs " + need
                        + " tokens (prompt plus max_tokens), more than tenant '" + name + "''s budget of "
                        + tokensPerMinute + " tokens per minute (" + setting + ".tokens-per-minute); lower max_tokens.",
                        Duration.ofSeconds(60));
            }
            refill();
            if (tokens < need) {
                long seconds = (long) Math.ceil((need - tokens) / (tokensPerMinute / 60.0));
                return new GatewayException.RateLimited("tokens", "rate_limit_exceeded", "Tenant '" + name
                        + "' has used its budget of " + tokensPerMinute + " tokens per minute (" + setting
                        + ".tokens-per-minute); this request needs " + need + ".", Duration.ofSeconds(Math.max(1, seconds)));
            }
            return null;
        }

        void charge(long need) {
            refill();
            tokens -= need;
        }

        void refund(long unused) {
            tokens = Math.min(tokensPerMinute, tokens + unused);
        }

        private void refill() {
            long now = System.nanoTime();
            tokens = Math.min(tokensPerMinute, tokens + (now - refilledAt) / 60e9 * tokensPerMinute);
            refilledAt = now;
        }
    }
}
