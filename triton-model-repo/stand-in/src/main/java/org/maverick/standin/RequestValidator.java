package org.maverick.standin;

import inference.GrpcService.InferParameter;
import inference.GrpcService.ModelInferRequest;
import inference.GrpcService.ModelInferRequest.InferInputTensor;
import inference.ModelConfigOuterClass.ModelInput;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.maverick.standin.repository.ModelRepositories;
import org.maverick.standin.repository.ServedModel;

/**
 * Triton's request checks, in Triton's order and with messages modelled on Triton's wording
 * (triton-inference-server/core's request normalisation), so a client's error handling sees what
 * it would see in production.
 */
final class RequestValidator {

    static final String EMPTY_FINAL = "triton_enable_empty_final_response";

    private final ModelRepositories repositories;

    RequestValidator(ModelRepositories repositories) {
        this.repositories = repositories;
    }

    ValidRequest validate(ModelInferRequest request) throws RequestError {
        String prefix = request.getId().isEmpty() ? "" : "[request id: " + request.getId() + "] ";
        boolean emptyFinal = false;
        for (Map.Entry<String, InferParameter> p : request.getParametersMap().entrySet()) {
            if (p.getKey().equals(EMPTY_FINAL)) {
                emptyFinal = p.getValue().getBoolParam();
            } else if (p.getKey().startsWith("triton_")) {
                throw new RequestError(prefix + "Parameter '" + p.getKey()
                        + "' is a reserved parameter and cannot be specified.");
            }
        }
        ServedModel model = repositories.find(request.getModelName()).orElseThrow(() -> new RequestError(
                "Request for unknown model: '" + request.getModelName() + "' is not found"));
        if (!request.getModelVersion().isEmpty() && !request.getModelVersion().equals(model.version())) {
            throw new RequestError("Request for unknown model: '" + model.name() + "' version "
                    + request.getModelVersion() + " is not found");
        }
        String modelName = model.name();
        boolean raw = request.getRawInputContentsCount() > 0;
        if (raw && request.getRawInputContentsCount() != request.getInputsCount()) {
            throw new RequestError(prefix + "expected " + request.getInputsCount()
                    + " raw_input_contents (one per input), got " + request.getRawInputContentsCount()
                    + " for model '" + modelName + "'");
        }
        Map<String, List<Object>> inputs = new LinkedHashMap<>();
        for (int i = 0; i < request.getInputsCount(); i++) {
            InferInputTensor tensor = request.getInputs(i);
            ModelInput declared = model.input(tensor.getName()).orElseThrow(() -> new RequestError(
                    prefix + "unexpected inference input '" + tensor.getName() + "' for model '" + modelName + "'"));
            String expectedType = ServedModel.datatypeString(declared.getDataType());
            if (!expectedType.equals(tensor.getDatatype())) {
                throw new RequestError(prefix + "inference input '" + tensor.getName() + "' data-type is '"
                        + tensor.getDatatype() + "', but model '" + modelName + "' expects '" + expectedType + "'");
            }
            List<Long> expected = model.expectedShape(declared.getDimsList());
            if (!shapeMatches(expected, tensor.getShapeList(), model.config().getMaxBatchSize())) {
                throw new RequestError(prefix + "unexpected shape for input '" + tensor.getName() + "' for model '"
                        + modelName + "'. Expected " + shape(expected) + ", got " + shape(tensor.getShapeList()));
            }
            if (raw && tensor.hasContents()) {
                throw new RequestError(prefix + "contents field must not be specified when using raw_input_contents for '"
                        + tensor.getName() + "' for model '" + modelName + "'");
            }
            List<Object> values = raw
                    ? Tensors.decodeRaw(tensor.getName(), tensor.getDatatype(), request.getRawInputContents(i))
                    : Tensors.decodeTyped(tensor.getDatatype(), tensor.getContents());
            long elements = tensor.getShapeList().stream().reduce(1L, (a, b) -> a * b);
            if (values.size() != elements && !tensor.getDatatype().equals("FP16") && !tensor.getDatatype().equals("BF16")) {
                throw new RequestError(prefix + "unexpected number of elements for input '" + tensor.getName()
                        + "' for model '" + modelName + "'. Expected " + elements + ", got " + values.size());
            }
            inputs.put(tensor.getName(), values);
        }
        List<String> missing = model.config().getInputList().stream()
                .filter(in -> !in.getOptional() && !inputs.containsKey(in.getName()))
                .map(ModelInput::getName).toList();
        if (!missing.isEmpty()) {
            long required = model.config().getInputList().stream().filter(in -> !in.getOptional()).count();
            throw new RequestError(prefix + "expected " + required + " inputs but got " + inputs.size()
                    + " inputs for model '" + modelName + "'. Got input(s) " + quoted(new ArrayList<>(inputs.keySet()))
                    + ", but missing required input(s) " + quoted(missing) + ". Please provide all required input(s).");
        }
        Set<String> outputs = new HashSet<>();
        for (ModelInferRequest.InferRequestedOutputTensor out : request.getOutputsList()) {
            if (model.output(out.getName()).isEmpty()) {
                throw new RequestError(prefix + "unexpected inference output '" + out.getName() + "' for model '"
                        + modelName + "'");
            }
            outputs.add(out.getName());
        }
        return new ValidRequest(model, request.getId(), inputs, outputs, emptyFinal);
    }

    private static boolean shapeMatches(List<Long> expected, List<Long> actual, int maxBatchSize) {
        if (expected.size() != actual.size()) {
            return false;
        }
        for (int i = 0; i < expected.size(); i++) {
            long e = expected.get(i);
            long a = actual.get(i);
            if (a < 0 || (e >= 0 && e != a)) {
                return false;
            }
            if (i == 0 && maxBatchSize > 0 && a > maxBatchSize) {
                return false;
            }
        }
        return true;
    }

    private static String shape(List<Long> dims) {
        return dims.stream().map(String::valueOf).collect(Collectors.joining(",", "[", "]"));
    }

    private static String quoted(List<String> names) {
        return names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(",", "[", "]"));
    }
}
