package org.maverick.gateway.request;

import org.maverick.gateway.api.ChatBodies;
import org.maverick.gateway.api.ErrorRenderer;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.prompt.Llama4ChatTemplate;
import org.maverick.gateway.prompt.TiktokenCounter;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP edge's parse-and-validate step ({@link RequestValidator#chat(ObjectMapper, byte[], String, long)},
 * exactly what {@code POST /v1/chat/completions} runs before the backend) under 10,000 generated bodies
 * ({@link ChatBodies}): every one is either a {@code Generation} or a {@link GatewayException} with status
 * 400, 404 or 413 in OpenAI's shape, never another exception (a 500 at the edge) or a stack overflow.
 * Pure: no Quarkus, no HTTP; the test tokenizer and default settings, as in the test profile.
 *
 * <p>The bodies come from a seeded random generator: always seed {@value #SEED}, and also the seed in
 * the system property {@code fuzz.seed} when it is set ({@code fuzz.tries} bodies, 10,000 unless set).
 * A failure names its seed and index; {@code ChatBodies.body(seed, index)} rebuilds that body alone.
 */
class RequestParserFuzzTest {

    /** Quarkus's mapper leaves unknown properties alone; the wire records ignore them anyway. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final Set<Integer> CLIENT_ERRORS = Set.of(400, 404, 413);
    private static final RequestValidator VALIDATOR = validator();

    static final long SEED = 20260425L;
    private static final int TRIES = 10_000;

    private static RequestValidator validator() {
        GatewayConfig config = new SmallRyeConfigBuilder().withMapping(GatewayConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withDefaultValues(Map.of("gateway.triton.endpoint", "triton:8001")).build()
                .getConfigMapping(GatewayConfig.class);
        try {
            return new RequestValidator(config, new Llama4ChatTemplate(false),
                    TiktokenCounter.load(Path.of("src/test/resources/tokenizer/test-tokenizer.model")));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everyGeneratedBodyIsAcceptedOrRefusedAsAClientError() {
        fuzz(SEED, TRIES);
    }

    /** {@code -Dfuzz.seed=N} (and optionally {@code -Dfuzz.tries=N}): another run, with that seed. */
    @Test
    @EnabledIfSystemProperty(named = "fuzz.seed", matches = ".+")
    void everyBodyOfTheGivenSeedIsAcceptedOrRefusedAsAClientError() {
        fuzz(Long.parseLong(System.getProperty("fuzz.seed").trim()),
                Integer.parseInt(System.getProperty("fuzz.tries", String.valueOf(TRIES)).trim()));
    }

    /**
     * {@code tries} bodies of {@code seed} through the validator, counting the outcomes. Anything but a
     * Generation or a well-formed client error (a NullPointerException, a Jackson exception,
     * StackOverflowError) stops the run and fails it, naming the seed, the index and the body.
     */
    private static void fuzz(long seed, int tries) {
        Map<String, Integer> outcomes = new TreeMap<>();
        long t0 = System.nanoTime();
        Iterator<ChatBodies.Body> bodies = ChatBodies.bodies(seed).iterator();
        int i = 0;
        try {
            for (; i < tries; i++) {
                ChatBodies.Body body = bodies.next();
                try {
                    outcomes.merge(outcome(body), 1, Integer::sum);
                } catch (Throwable t) {
                    throw new AssertionError("seed " + seed + ", body #" + i + " (rebuild it with ChatBodies.body("
                            + seed + "L, " + i + "); rerun with -Dfuzz.seed=" + seed + "): " + t + " for " + body, t);
                }
            }
        } finally {
            Integer accepted = outcomes.remove("accepted");
            System.out.printf("RequestParserFuzzTest: seed %d: %d bodies in %d ms: %d accepted, refused %s%n", seed,
                    i, (System.nanoTime() - t0) / 1_000_000, accepted == null ? 0 : accepted, outcomes);
        }
    }

    /** "accepted", or the refusal's status and code after checking its shape. */
    private static String outcome(ChatBodies.Body body) throws Exception {
        try {
            VALIDATOR.chat(JSON, body.bytes(), "chatcmpl-fuzz", 0);
            return "accepted";
        } catch (GatewayException e) {
            assertWellFormed(e, body);
            return e.status() + " " + e.code();
        }
    }

    /** What the client would read: OpenAI's error JSON, with a field where there is one and no class names. */
    static void assertWellFormed(GatewayException e, Object body) throws Exception {
        assertTrue(CLIENT_ERRORS.contains(e.status()), () -> e.status() + " " + e.code() + " for " + body);
        JsonNode error = JSON.readTree(ErrorRenderer.body(JSON, e)).path("error");
        assertEquals("invalid_request_error", error.path("type").asText(), body::toString);
        assertTrue(error.path("code").asText().matches("[a-z_]+"), body::toString);
        String message = error.path("message").asText();
        assertFalse(message.isBlank(), body::toString);
        for (String leak : new String[] {"java.", "com.fasterxml", "org.maverick", "Exception", "`", "jackson", "Source:"}) {
            if (leak.equals("`") && sentABacktick(body)) {
                continue; // the client's own backtick, echoed (a model name, a syntax error's character), not a type
            }
            assertFalse(message.contains(leak), () -> "'" + leak + "' in: " + message + " for " + body);
        }
        if (e.code().equals("invalid_type") || e.code().equals("invalid_value")) {
            assertTrue(e.param().isPresent() || message.startsWith("The request body"), () -> message + " " + body);
        }
    }

    private static boolean sentABacktick(Object body) {
        if (body instanceof ChatBodies.Body b) {
            for (byte x : b.bytes()) {
                if (x == '`') {
                    return true;
                }
            }
        }
        return false;
    }
}
