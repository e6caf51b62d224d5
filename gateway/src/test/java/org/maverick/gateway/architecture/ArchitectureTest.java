package org.maverick.gateway.architecture;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The gateway's packages form layers, one per stage of a request, and a package imports only
 * packages below it (docs/architecture.md draws the same list). A new package must be placed here
 * before it can exist, so that its room in the house is a decision, not an accident.
 */
class ArchitectureTest {

    private static final String ROOT = "org.maverick.gateway";

    /** From the top (the edges) to the bottom (the domain types every stage shares). */
    static final List<String> LAYERS = List.of(
            "api.realtime",   // WebSocket edge
            "api",            // HTTP edge: routes, SSE relay, error rendering
            "responses",      // stored responses and background runs (Kafka Streams)
            "pipeline",       // admit, route direct or queued, guard every stream
            "queue.worker",   // the Kafka worker: runs queued requests on Triton
            "queue",          // the queue's client side: publish, reply routing, resume
            "request",        // wire JSON parsed and validated into a Generation
            "image",          // image parts: data: URIs and fetched URLs checked, decoded, tiled and counted
            "backend.triton", // the Triton gRPC client, pool and model contracts
            "tools",          // tool definitions rendered for Llama 4, tool calls parsed from its output
            "backend",        // the Backend interface every way of generating implements
            "admission",      // API keys, tenant limits, capacity
            "protocol.responses", // the Responses API's wire records
            "protocol",       // OpenAI wire records
            "telemetry",      // traces and metrics
            "prompt",         // Llama 4 template, token counting, stops, text assembly
            "generation",     // Generation, its events and errors
            "config");        // the typed configuration

    private static JavaClasses classes;

    @BeforeAll
    static void importGateway() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(ROOT);
    }

    @Test
    void everyPackageHasItsPlaceInTheLayers() {
        Set<String> packages = classes.stream().map(JavaClass::getPackageName)
                .filter(p -> p.startsWith(ROOT + "."))
                .map(p -> p.substring(ROOT.length() + 1))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(LAYERS), packages,
                "a package of the gateway is missing from ArchitectureTest.LAYERS (or a listed one is gone)");
    }

    @Test
    void noPackageImportsAPackageAboveIt() {
        for (int lower = 1; lower < LAYERS.size(); lower++) {
            String[] above = LAYERS.subList(0, lower).stream().map(p -> ROOT + "." + p).toArray(String[]::new);
            ArchRule rule = noClasses().that().resideInAPackage(ROOT + "." + LAYERS.get(lower))
                    .should().dependOnClassesThat().resideInAnyPackage(above)
                    .because(LAYERS.get(lower) + " sits below " + String.join(", ", LAYERS.subList(0, lower)));
            rule.check(classes);
        }
    }

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching(ROOT + ".(**)").should().beFreeOfCycles().check(classes);
    }
}
