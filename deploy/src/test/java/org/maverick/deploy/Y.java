package org.maverick.deploy;

import java.util.List;
import java.util.Map;

/** Navigation in parsed YAML by dotted paths ({@code spec.template.spec}); a missing step gives null. */
final class Y {

    private Y() {
    }

    static Object at(Object node, String path) {
        Object current = node;
        for (String step : path.split("\\.")) {
            if (!(current instanceof Map<?, ?> map)) {
                return null;
            }
            current = map.get(step);
        }
        return current;
    }

    static String str(Object node, String path) {
        Object v = at(node, path);
        return v == null ? null : v.toString();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object node, String path) {
        Object v = at(node, path);
        if (!(v instanceof Map<?, ?>)) {
            throw new AssertionError(path + " is not a mapping: " + v);
        }
        return (Map<String, Object>) v;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Object node, String path) {
        Object v = at(node, path);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?>)) {
            throw new AssertionError(path + " is not a list: " + v);
        }
        return (List<Map<String, Object>>) v;
    }

    /** A list of scalars as strings. */
    static List<String> strings(Object node, String path) {
        Object v = at(node, path);
        if (!(v instanceof List<?> l)) {
            throw new AssertionError(path + " is not a list: " + v);
        }
        return l.stream().map(String::valueOf).toList();
    }
}
