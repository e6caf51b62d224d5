package org.maverick.deploy;

import org.maverick.gateway.config.GatewayConfig;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings the gateway reads, and how environment variable names map to them. The gateway.*
 * names come from the {@link GatewayConfig} interface itself (by reflection: a method is a setting,
 * a method returning a nested config interface is a group; SmallRye Config's default naming turns
 * camelCase into kebab-case); the others from README's configuration table.
 */
final class Settings {

    /**
     * Kafka client settings the chart and the compose file pass for TLS + SCRAM. The gateway hands
     * every {@code kafka.*} setting to its admin, producer and consumers without the prefix
     * (KafkaQueue.clientSettings), so any Kafka client property is a setting; these are the ones the
     * deployment uses.
     */
    static final Set<String> KAFKA_CLIENT_SETTINGS_TO_READ = Set.of(
            "kafka.security.protocol", "kafka.sasl.mechanism", "kafka.sasl.jaas.config",
            "kafka.ssl.truststore.type", "kafka.ssl.truststore.location", "kafka.ssl.truststore.password");

    /** Quarkus' own settings the deployment sets (the OTLP exporter). */
    static final Set<String> QUARKUS_SETTINGS = Set.of("quarkus.otel.exporter.otlp.endpoint");

    private Settings() {
    }

    /** Every gateway.* property, e.g. gateway.queue.instance-id. */
    static Set<String> gateway() {
        Set<String> names = new TreeSet<>();
        collect(GatewayConfig.class, "gateway", names);
        return names;
    }

    private static void collect(Class<?> type, String prefix, Set<String> names) {
        for (Method m : type.getDeclaredMethods()) {
            if (m.getParameterCount() > 0 || Modifier.isStatic(m.getModifiers()) || m.isDefault()) {
                continue;
            }
            String name = prefix + "." + kebab(m.getName());
            Class<?> r = m.getReturnType();
            if (r.isInterface() && r.getEnclosingClass() == GatewayConfig.class) {
                collect(r, name, names);
            } else {
                names.add(name);
            }
        }
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** The settings of README's configuration table (first column). */
    static Set<String> readmeTable() throws IOException {
        String readme = Files.readString(Rendered.ROOT.resolve("README.md"));
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\| `([a-z][a-z0-9.-]+)` \\|").matcher(readme);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** MicroProfile Config's environment form: every non-alphanumeric becomes _, upper case. */
    static String env(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    /** Every property an environment variable of the deployment may name. */
    static Set<String> known() throws IOException {
        Set<String> all = new TreeSet<>(gateway());
        all.addAll(readmeTable());
        all.addAll(KAFKA_CLIENT_SETTINGS_TO_READ);
        all.addAll(QUARKUS_SETTINGS);
        return all;
    }

    /** The property an environment variable sets, or null when it names none the gateway knows. */
    static String propertyOf(String envName) throws IOException {
        for (String p : known()) {
            if (env(p).equals(envName)) {
                return p;
            }
        }
        return null;
    }
}
