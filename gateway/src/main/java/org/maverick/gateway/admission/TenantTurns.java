package org.maverick.gateway.admission;

/**
 * Whose turn it is among the tenants that have work waiting: the first tenant after the one served
 * last, in the order the waiting tenants are listed (the order their waiting work arrived), wrapping
 * round; the first listed when the tenant served last is not among them. So one tenant's burst cannot
 * starve the others: while the list keeps its order, every other waiting tenant is served between
 * two turns of the same tenant.
 *
 * <p>The direct slots of {@link Admission} and the queue worker's backlog both take turns through
 * this. Not thread-safe: each owner keeps its own, under its lock or on its one thread.
 */
public final class TenantTurns {

    private String last = "";

    /**
     * The tenant whose turn it is among {@code waiting} (each tenant listed once, in order), recorded
     * as served; null when nobody waits.
     */
    public String next(Iterable<String> waiting) {
        String first = null;
        boolean afterLast = false;
        for (String tenant : waiting) {
            if (afterLast) {
                last = tenant;
                return tenant;
            }
            if (first == null) {
                first = tenant;
            }
            afterLast = tenant.equals(last);
        }
        // The tenant served last was listed last (wrap round) or is not listed (start over).
        if (first != null) {
            last = first;
        }
        return first;
    }

    /** The tenant served last; empty before the first turn. */
    public String last() {
        return last;
    }
}
