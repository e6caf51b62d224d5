package org.maverick.gateway.telemetry;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small PromQL tokenizer that finds the metric (series) names an expression reads, so the dashboards
 * and alert rules can be checked against what the gateway really exports.
 *
 * <p>A metric name is an identifier that is not a function or aggregation (followed by {@code (}), not a
 * keyword or binary operator ({@code and}, {@code bool}, {@code offset}...), and not a label name: label
 * matchers ({@code {...}}), range and subquery brackets ({@code [...]}), the label lists of {@code by},
 * {@code without}, {@code on}, {@code ignoring}, {@code group_left} and {@code group_right}, strings,
 * numbers and durations are skipped, as are Grafana variables ({@code $mode}, {@code ${model}},
 * {@code $__rate_interval}). Names are returned as written, suffix included ({@code _bucket}).
 */
final class PromQl {

    /** Keywords that take a parenthesised list of label names, or stand alone. */
    private static final Set<String> LABEL_LISTS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right");
    /** Keywords and word operators that are never series names. */
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "atan2", "inf", "nan",
            "start", "end");
    /** Aggregation operators: followed by {@code (} or by a {@code by}/{@code without} clause. */
    private static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar",
            "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio");
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\s*\\((.*),\\s*[a-zA-Z_]\\w*\\s*\\)\\s*$",
            Pattern.DOTALL);
    private static final Pattern QUERY_RESULT = Pattern.compile("^\\s*query_result\\s*\\((.*)\\)\\s*$", Pattern.DOTALL);

    private PromQl() {
    }

    /** The series names a PromQL expression reads. */
    static Set<String> metricNames(String expr) {
        Set<String> names = new TreeSet<>();
        int n = expr.length();
        int i = 0;
        while (i < n) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = afterString(expr, i);
            } else if (c == '{') {
                i = after(expr, i, '}');
            } else if (c == '[') {
                i = after(expr, i, ']');
            } else if (c == '$') {
                i++;
                if (i < n && expr.charAt(i) == '{') {
                    i = after(expr, i, '}');
                } else {
                    while (i < n && isIdentifierPart(expr.charAt(i))) {
                        i++;
                    }
                }
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(expr.charAt(i + 1)))) {
                // numbers (0.95, 1e3, 0x1f) and durations (5m, 1h30m)
                while (i < n && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '.')) {
                    i++;
                }
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int start = i;
                while (i < n && isIdentifierPart(expr.charAt(i))) {
                    i++;
                }
                String word = expr.substring(start, i);
                int next = i;
                while (next < n && Character.isWhitespace(expr.charAt(next))) {
                    next++;
                }
                boolean call = next < n && expr.charAt(next) == '(';
                if (LABEL_LISTS.contains(word.toLowerCase())) {
                    if (call) {
                        i = after(expr, next, ')');
                    }
                } else if (!call && !KEYWORDS.contains(word.toLowerCase())
                        && !(AGGREGATIONS.contains(word.toLowerCase()) && startsClause(expr, next))) {
                    names.add(word);
                }
            } else {
                i++;
            }
        }
        return names;
    }

    /**
     * The series names a Grafana Prometheus variable query reads: {@code label_values(selector, label)},
     * {@code query_result(expr)}, or none for {@code label_values(label)} and {@code metrics(regex)}.
     */
    static Set<String> variableQueryMetricNames(String query) {
        Matcher m = LABEL_VALUES.matcher(query);
        if (m.matches()) {
            return metricNames(m.group(1));
        }
        m = QUERY_RESULT.matcher(query);
        if (m.matches()) {
            return metricNames(m.group(1));
        }
        return Set.of();
    }

    /** The name without a histogram or summary sample suffix. */
    static String baseName(String name) {
        return name.replaceFirst("_(bucket|count|sum|max)$", "");
    }

    /** Whether a {@code by} or {@code without} clause starts at {@code i}. */
    private static boolean startsClause(String s, int i) {
        String rest = s.substring(i).toLowerCase();
        return rest.matches("(?s)(by|without)\\s*\\(.*");
    }

    private static boolean isIdentifierPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == ':';
    }

    /** Index after the closing {@code close} of the bracket opened at {@code open}, skipping strings inside. */
    private static int after(String s, int open, char close) {
        char opening = s.charAt(open);
        int depth = 0;
        int i = open;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = afterString(s, i);
                continue;
            }
            if (c == opening) {
                depth++;
            } else if (c == close && --depth == 0) {
                return i + 1;
            }
            i++;
        }
        return s.length();
    }

    private static int afterString(String s, int open) {
        char quote = s.charAt(open);
        int i = open + 1;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\\' && quote != '`') {
                i += 2;
                continue;
            }
            if (c == quote) {
                return i + 1;
            }
            i++;
        }
        return s.length();
    }
}
