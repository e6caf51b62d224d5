package org.maverick.gateway.backend.triton;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The model contract every endpoint of the pool must serve: the first one read becomes the pool's,
 * and each later one must equal it (same kind, model name, inputs, outputs, shapes, decoupling).
 * Thread-safe: probes of different endpoints may read their contracts at the same time.
 */
final class PoolContract {

    private final AtomicReference<ModelContract> contract = new AtomicReference<>();

    /** Empty when {@code found} is the pool's contract (or becomes it); otherwise why the endpoint is kept out. */
    Optional<String> agree(ModelContract found) {
        ModelContract pool = contract.updateAndGet(c -> c == null ? found : c);
        if (pool.equals(found)) {
            return Optional.empty();
        }
        return Optional.of("serves a different model contract (" + found.describe() + ", inputs "
                + found.inputs().keySet() + ") than the rest of the pool (" + pool.describe() + ", inputs "
                + pool.inputs().keySet() + "); all endpoints must serve the same model");
    }

    Optional<ModelContract> get() {
        return Optional.ofNullable(contract.get());
    }
}
