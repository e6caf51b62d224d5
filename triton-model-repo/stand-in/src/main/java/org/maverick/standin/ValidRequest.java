package org.maverick.standin;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.maverick.standin.repository.ServedModel;

/**
 * A request that passed Triton's checks: the model exists, every input is declared, typed and
 * shaped as the model says, required inputs are present. Inputs are decoded by name.
 *
 * @param requestedOutputs the outputs the client named; empty means all
 * @param emptyFinal       request parameter triton_enable_empty_final_response was true
 */
record ValidRequest(
        ServedModel model,
        String id,
        Map<String, List<Object>> inputs,
        Set<String> requestedOutputs,
        boolean emptyFinal) {

    Optional<Object> first(String name) {
        List<Object> values = inputs.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    String string(String name, String fallback) {
        return first(name).map(v -> new String((byte[]) v, StandardCharsets.UTF_8)).orElse(fallback);
    }

    List<String> strings(String name) {
        List<Object> values = inputs.getOrDefault(name, List.of());
        return values.stream().map(v -> new String((byte[]) v, StandardCharsets.UTF_8)).toList();
    }

    boolean bool(String name, boolean fallback) {
        return first(name).map(v -> v instanceof Boolean b ? b : ((Number) v).longValue() != 0).orElse(fallback);
    }

    long integer(String name, long fallback) {
        return first(name).map(v -> v instanceof Number n ? n.longValue() : fallback).orElse(fallback);
    }

    boolean wants(String output) {
        return requestedOutputs.isEmpty() || requestedOutputs.contains(output);
    }
}
