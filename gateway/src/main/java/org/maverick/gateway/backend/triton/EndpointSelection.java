package org.maverick.gateway.backend.triton;

import java.util.List;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * The pool's choice of endpoint, as a pure function: the candidate with the fewest requests in
 * flight; among equals, the first one at or after position {@code turn} (taken modulo the list), so
 * a caller that advances {@code turn} on every pick spreads equal endpoints round robin.
 */
final class EndpointSelection {

    private EndpointSelection() {
    }

    static <E> Optional<E> leastInFlight(List<E> candidates, ToIntFunction<E> inFlight, int turn) {
        int n = candidates.size();
        if (n == 0) {
            return Optional.empty();
        }
        int start = Math.floorMod(turn, n);
        E best = null;
        int bestLoad = Integer.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            E e = candidates.get((start + i) % n);
            int load = inFlight.applyAsInt(e);
            if (load < bestLoad) { // strictly fewer: the earliest in rotation order wins a tie
                best = e;
                bestLoad = load;
            }
        }
        return Optional.of(best);
    }
}
