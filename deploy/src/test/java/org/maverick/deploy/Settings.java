package org.maverick.deploy;

import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import org.maverick.gateway.config.GatewayConfig;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings the gateway reads, and how environment variable names map to them. The gateway.*
 * names come from the {@link GatewayConfig} interface itself (by reflection: a method is a setting,
 * a method returning a nested config interface is a group, a {@code Map} of groups is a group per
 * name, written {@code <name>} as the README writes it; SmallRye Config's default naming turns
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

    /** The placeholder for a map key, as in gateway.auth.tenants.&lt;name&gt;.key-sha256. */
    static final String MAP_KEY = "<name>";

    /** Every gateway.* property, e.g. gateway.queue.instance-id. */
    static Set<String> gateway() {
        return new TreeSet<>(gatewayMethods().keySet());
    }

    /** Every gateway.* property and the method of GatewayConfig (or a group of it) that defines it. */
    static Map<String, Method> gatewayMethods() {
        Map<String, Method> settings = new TreeMap<>();
        collect(GatewayConfig.class, "gateway", settings);
        return settings;
    }

    /** The setting's {@code @WithDefault}, if it has one. */
    static Optional<String> defaultOf(Method setting) {
        return Optional.ofNullable(setting.getAnnotation(WithDefault.class)).map(WithDefault::value);
    }

    private static void collect(Class<?> type, String prefix, Map<String, Method> settings) {
        for (Method m : type.getDeclaredMethods()) {
            if (m.getParameterCount() > 0 || Modifier.isStatic(m.getModifiers()) || m.isDefault()) {
                continue;
            }
            WithName withName = m.getAnnotation(WithName.class);
            String name = prefix + "." + (withName != null ? withName.value() : kebab(m.getName()));
            Class<?> r = m.getReturnType();
            Class<?> mapValue = mapValueType(m.getGenericReturnType());
            if (isGroup(r)) {
                collect(r, name, settings);
            } else if (mapValue != null && isGroup(mapValue)) {
                collect(mapValue, name + "." + MAP_KEY, settings);
            } else {
                settings.put(name, m);
            }
        }
    }

    /** A config group: an interface nested, at any depth, in GatewayConfig (Triton.Breaker too). */
    private static boolean isGroup(Class<?> type) {
        if (!type.isInterface()) {
            return false;
        }
        for (Class<?> c = type.getEnclosingClass(); c != null; c = c.getEnclosingClass()) {
            if (c == GatewayConfig.class) {
                return true;
            }
        }
        return false;
    }

    /** V of a {@code Map<String, V>} return type, or null. */
    private static Class<?> mapValueType(Type type) {
        if (type instanceof ParameterizedType p && p.getRawType() == Map.class
                && p.getActualTypeArguments()[1] instanceof Class<?> v) {
            return v;
        }
        return null;
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

    /**
     * The property an environment variable sets, or null when it names none the gateway knows. A map
     * key may be any name: GATEWAY_AUTH_TENANTS_DEMO_KEY_SHA256 is gateway.auth.tenants.&lt;name&gt;.key-sha256.
     */
    static String propertyOf(String envName) throws IOException {
        for (String p : known()) {
            if (envPattern(p).matcher(envName).matches()) {
                return p;
            }
        }
        return null;
    }

    private static Pattern envPattern(String property) {
        StringBuilder regex = new StringBuilder();
        String[] parts = property.split(Pattern.quote(MAP_KEY), -1);
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                regex.append("[A-Z0-9]+");
            }
            regex.append(Pattern.quote(env(parts[i])));
        }
        return Pattern.compile(regex.toString());
    }
}
