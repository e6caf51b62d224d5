package org.maverick.standin;

import inference.GrpcService.ModelInferRequest;
import inference.GrpcService.ModelInferResponse;
import inference.GrpcService.ModelStreamInferResponse;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.maverick.standin.repository.ModelRepositories;

/** Turns an incoming request into a running generation, or into the error Triton would answer. */
final class Admission {

    private final RequestValidator validator;
    private final Engine engine;

    Admission(ModelRepositories repositories, Engine engine) {
        this.validator = new RequestValidator(repositories);
        this.engine = engine;
    }

    /**
     * Validates and starts the request; {@code register} sees the generation before it can run.
     * Errors go to the sink as an error_message carrying the request id.
     */
    void admit(ModelInferRequest request, ResponseSink sink, Consumer<Generation> register) {
        GenerationSpec spec;
        try {
            spec = GenerationSpec.of(validator.validate(request));
        } catch (RequestError e) {
            engine.counters.recordRejected();
            sink.send(Generation.error(request.getId(), e.getMessage()));
            return;
        }
        if (spec.stopRequest()) {
            Generation running = engine.byId(spec.request().id());
            if (running != null) {
                running.cancel(true);
            }
            if (spec.request().emptyFinal()) {
                sink.send(ModelStreamInferResponse.newBuilder().setInferResponse(ModelInferResponse.newBuilder()
                        .setModelName(spec.request().model().name())
                        .setModelVersion(spec.request().model().version())
                        .setId(spec.request().id())
                        .putParameters(Generation.FINAL, Generation.bool(true))).build());
            }
            return;
        }
        if (spec.doubledBos()) {
            engine.counters.recordDoubledBos();
        }
        double failFraction = engine.faults.failFraction();
        if (failFraction > 0 && ThreadLocalRandom.current().nextDouble() < failFraction) {
            engine.counters.recordStarted();
            engine.counters.recordFailed();
            sink.send(Generation.error(request.getId(), "Triton stand-in: injected failure (faults().failFraction)"));
            return;
        }
        engine.counters.recordPrompt(spec.prompt());
        Generation g = new Generation(spec, sink, engine);
        register.accept(g);
        engine.admit(g);
    }
}
