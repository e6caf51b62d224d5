package org.maverick.gateway.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import org.maverick.gateway.config.GatewayConfig;
import org.maverick.gateway.generation.GatewayException;
import org.maverick.gateway.prompt.Llama4ChatTemplate;
import org.maverick.gateway.prompt.TiktokenCounter;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP edge's parse-and-validate step ({@link RequestValidator#chat(ObjectMapper, byte[], String, long)},
 * exactly what {@code POST /v1/chat/completions} runs before the backend) under 10,000 generated bodies
 * ({@link ChatBodies}): every one is either a {@code Generation} or a {@link GatewayException} with status
 * 400, 404 or 413 in OpenAI's shape, never another exception (a 500 at the edge) or a stack overflow.
 * Pure: no Quarkus, no HTTP; the test tokenizer and default settings, as in the test profile.
 */
class RequestParserFuzzTest {

    /** Quarkus's mapper leaves unknown properties alone; the wire records ignore them anyway. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final Set<Integer> CLIENT_ERRORS = Set.of(400, 404, 413);
    private static final RequestValidator VALIDATOR = validator();

    private static final LongAdder TRIED = new LongAdder();
    private static final LongAdder ACCEPTED = new LongAdder();
    private static final Map<String, LongAdder> REFUSED = new ConcurrentHashMap<>();
    private static final AtomicLong STARTED = new AtomicLong(System.nanoTime());

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

    @Provide
    Arbitrary<ChatBodies.Body> bodies() {
        return ChatBodies.bodies();
    }

    @Property(tries = 10_000, shrinking = ShrinkingMode.BOUNDED, seed = "20260425")
    void everyGeneratedBodyIsAcceptedOrRefusedAsAClientError(@ForAll("bodies") ChatBodies.Body body) throws Exception {
        TRIED.increment();
        try {
            VALIDATOR.chat(JSON, body.bytes(), "chatcmpl-fuzz", 0);
            ACCEPTED.increment();
        } catch (GatewayException e) {
            REFUSED.computeIfAbsent(e.status() + " " + e.code(), k -> new LongAdder()).increment();
            assertWellFormed(e, body);
        }
        // Anything else (a NullPointerException, a Jackson exception, StackOverflowError) fails the property.
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
            assertFalse(message.contains(leak), () -> "'" + leak + "' in: " + message + " for " + body);
        }
        if (e.code().equals("invalid_type") || e.code().equals("invalid_value")) {
            assertTrue(e.param().isPresent() || message.startsWith("The request body"), () -> message + " " + body);
        }
    }

    @AfterContainer
    static void report() {
        System.out.printf("RequestParserFuzzTest: %d bodies in %d ms: %d accepted, refused %s%n", TRIED.sum(),
                (System.nanoTime() - STARTED.get()) / 1_000_000, ACCEPTED.sum(), new java.util.TreeMap<>(REFUSED));
    }
}
