package org.maverick.gateway.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.config.WithDefault;
import io.vertx.core.buffer.Buffer;
import inference.GrpcService.ModelInferRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.maverick.benchmark.load.ChatHistory;
import org.maverick.gateway.backend.triton.PromptRequests;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.prompt.ChatTurn;
import org.maverick.gateway.prompt.EstimatingCounter;
import org.maverick.gateway.prompt.Llama4ChatTemplate;
import org.maverick.gateway.prompt.Segment;
import org.maverick.gateway.prompt.TiktokenCounter;
import org.maverick.gateway.prompt.TokenCounter;

/**
 * {@code java -jar benchmark/target/maverick-benchmark.jar stages [--sizes 1000,32000,120000] [--seconds S]}: the
 * way in of one long chat, stage by stage, timed on one thread with the gateway's own classes, for each prompt
 * size: the body copied out of the HTTP buffer, the JSON parse, the template, the token count (the default
 * estimating counter, and a tiktoken counter with a 200,000-token vocabulary: jtokkit's o200k ranks, the same
 * split pattern as Llama 4's, loaded through the gateway's {@link TiktokenCounter}), the whole chat step as
 * the edge runs it, the Triton request's build and its protobuf serialisation. Each stage is repeated for
 * {@code seconds} after as long a warm-up; the figure is the median of the repetitions.
 */
public final class PromptStages {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PromptStages() {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = List.of(1000, 32000, 120000);
        double seconds = 2;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--sizes" -> sizes = Arrays.stream(args[++i].split(",")).map(String::trim).map(Integer::valueOf).toList();
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                default -> {
                    System.out.println("stages [--sizes 1000,32000,120000] [--seconds S per stage and size, default 2]");
                    return;
                }
            }
        }
        GatewayConfig config = defaults(GatewayConfig.class);
        Llama4ChatTemplate template = new Llama4ChatTemplate(false);
        TokenCounter estimating = new EstimatingCounter();
        TokenCounter tiktoken = o200k();
        RequestValidator byEstimate = new RequestValidator(config, template, estimating);
        RequestValidator byTiktoken = new RequestValidator(config, template, tiktoken);

        Map<String, Map<Integer, Double>> table = new LinkedHashMap<>();
        Map<Integer, int[]> counts = new LinkedHashMap<>();
        for (int size : sizes) {
            String history = ChatHistory.historyJson(size - 42, 19);
            byte[] body = ChatHistory.body("llama-4-maverick", 16, history, "Request 1. [standin:length=16] What next?")
                    .getBytes(StandardCharsets.UTF_8);
            Buffer buffer = Buffer.buffer(body);
            JsonNode messages = JSON.readTree(body).get("messages");
            List<ChatTurn> turns = new ArrayList<>();
            for (JsonNode m : messages) {
                String c = m.get("content").asText();
                turns.add(switch (m.get("role").asText()) {
                    case "system" -> ChatTurn.system(c);
                    case "assistant" -> ChatTurn.assistant(c);
                    default -> ChatTurn.user(c);
                });
            }
            List<Segment> segments = template.segments(turns);
            Generation g = byEstimate.chat(JSON, body, "chatcmpl-1", 1);
            ModelInferRequest request = PromptRequests.build(g);
            counts.put(size, new int[] {body.length, g.promptTokens(), tiktoken.countPrompt(segments), messages.size(),
                    request.getSerializedSize()});
            put(table, "copy the body out of the HTTP buffer (Buffer.getBytes)", size, time(seconds, () -> buffer.getBytes()));
            put(table, "JSON parse (WireJson.read → ChatCompletionRequest)", size,
                    time(seconds, () -> WireJson.read(JSON, body, ChatCompletionRequestType.TYPE)));
            put(table, "template (segments + join)", size, time(seconds, () -> Segment.join(template.segments(turns))));
            put(table, "count: estimating (the default)", size, time(seconds, () -> estimating.countPrompt(segments)));
            put(table, "count: tiktoken, 200k vocabulary", size, time(seconds, () -> tiktoken.countPrompt(segments)));
            put(table, "whole chat step, estimating (parse, validate, template, count)", size,
                    time(seconds, () -> byEstimate.chat(JSON, body, "chatcmpl-1", 1)));
            put(table, "whole chat step, tiktoken", size, time(seconds, () -> byTiktoken.chat(JSON, body, "chatcmpl-1", 1)));
            put(table, "Triton request build (TritonRequests.build)", size, time(seconds, () -> PromptRequests.build(g)));
            put(table, "protobuf serialisation (toByteArray)", size, time(seconds, request::toByteArray));
        }
        StringBuilder out = new StringBuilder("| stage |");
        sizes.forEach(s -> out.append(' ').append(s).append(" tokens µs |"));
        out.append(" µs per 1K tokens at the largest |\n|---|");
        sizes.forEach(s -> out.append("---:|"));
        out.append("---:|\n");
        int largest = sizes.get(sizes.size() - 1);
        table.forEach((stage, bySize) -> {
            out.append("| ").append(stage).append(" |");
            bySize.values().forEach(v -> out.append(String.format(Locale.ROOT, " %,.1f |", v)));
            out.append(String.format(Locale.ROOT, " %.2f |%n", bySize.get(largest) / (largest / 1000.0)));
        });
        out.append("\n| prompt | body bytes | messages | tokens (estimating) | tokens (tiktoken o200k) | Triton request bytes |\n"
                + "|---|---:|---:|---:|---:|---:|\n");
        counts.forEach((size, c) -> out.append(String.format(Locale.ROOT, "| %d | %,d | %d | %,d | %,d | %,d |%n", size,
                c[0], c[3], c[1], c[2], c[4])));
        System.out.println(out);
    }

    private static void put(Map<String, Map<Integer, Double>> table, String stage, int size, double micros) {
        table.computeIfAbsent(stage, k -> new LinkedHashMap<>()).put(size, micros);
        System.err.printf(Locale.ROOT, "%-70s %7d tokens %,12.1f µs%n", stage, size, micros);
    }

    static volatile Object sink;

    /** Median µs of {@code work} over {@code seconds}, after as long a warm-up (at least 5 and at most 100,000 runs each). */
    static double time(double seconds, Supplier<?> work) {
        long budget = (long) (seconds * 1e9);
        for (long end = System.nanoTime() + budget, n = 0; (System.nanoTime() < end || n < 5) && n < 100_000; n++) {
            sink = work.get();
        }
        long[] samples = new long[100_000];
        int n = 0;
        for (long end = System.nanoTime() + budget; (System.nanoTime() < end || n < 5) && n < samples.length; n++) {
            long t = System.nanoTime();
            sink = work.get();
            samples[n] = System.nanoTime() - t;
        }
        long[] taken = Arrays.copyOf(samples, n);
        Arrays.sort(taken);
        return taken[n / 2] / 1000.0;
    }

    /** jtokkit's o200k_base ranks written as a tiktoken file and loaded by the gateway's counter. */
    static TokenCounter o200k() throws IOException {
        Path file = Files.createTempFile("o200k_base", ".tiktoken");
        try (InputStream in = com.knuddels.jtokkit.Encodings.class.getResourceAsStream("/com/knuddels/jtokkit/o200k_base.tiktoken")) {
            if (in == null) {
                throw new IOException("jtokkit's o200k_base.tiktoken is not on the class path");
            }
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return TiktokenCounter.load(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * A configuration interface answering every setting with its {@code @WithDefault} (groups likewise, other
     * settings empty): the gateway as packaged, without SmallRye's class generation (not on this class path).
     */
    @SuppressWarnings("unchecked")
    static <T> T defaults(Class<T> type) {
        return (T) java.lang.reflect.Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, m, a) -> {
            Class<?> r = m.getReturnType();
            WithDefault d = m.getAnnotation(WithDefault.class);
            if (m.getDeclaringClass() == Object.class) {
                return switch (m.getName()) {
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == a[0];
                    default -> type.getSimpleName() + " defaults";
                };
            }
            if (d == null) {
                if (r == java.util.Optional.class) {
                    return java.util.Optional.empty();
                }
                if (r == java.util.OptionalInt.class) {
                    return java.util.OptionalInt.empty();
                }
                if (r.isInterface() && r.getName().startsWith("org.maverick")) {
                    return defaults(r);
                }
                if (r == List.class) {
                    return List.of();
                }
                if (r == Map.class) {
                    return Map.of();
                }
                return null;
            }
            String v = d.value();
            if (r == int.class) {
                return Integer.parseInt(v);
            } else if (r == long.class) {
                return Long.parseLong(v);
            } else if (r == double.class) {
                return Double.parseDouble(v);
            } else if (r == boolean.class) {
                return Boolean.parseBoolean(v);
            } else if (r == Duration.class) {
                return Duration.parse(v.matches("\\d+[smh]") ? "PT" + v.toUpperCase(Locale.ROOT) : v);
            } else if (r.isEnum()) {
                for (Object c : r.getEnumConstants()) {
                    if (((Enum<?>) c).name().equalsIgnoreCase(v.replace('-', '_'))) {
                        return c;
                    }
                }
            } else if (r == String.class) {
                return v;
            }
            throw new IllegalStateException("no default for " + m);
        });
    }

    /** The wire type the edge reads a chat body as. */
    private static final class ChatCompletionRequestType {
        static final Class<org.maverick.gateway.protocol.ChatCompletionRequest> TYPE =
                org.maverick.gateway.protocol.ChatCompletionRequest.class;
    }
}
