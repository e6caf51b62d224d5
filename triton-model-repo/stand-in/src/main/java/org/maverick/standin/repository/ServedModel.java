package org.maverick.standin.repository;

import inference.GrpcService.ModelMetadataResponse;
import inference.ModelConfigOuterClass.DataType;
import inference.ModelConfigOuterClass.ModelConfig;
import inference.ModelConfigOuterClass.ModelInput;
import inference.ModelConfigOuterClass.ModelOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One model as Triton would serve it: its effective configuration (config.pbtxt with model.yaml's
 * triton_config applied) and the metadata derived from it.
 */
public record ServedModel(String name, String version, ModelConfig config, Contract contract) {

    public boolean decoupled() {
        return config.getModelTransactionPolicy().getDecoupled();
    }

    public boolean batched() {
        return config.getMaxBatchSize() > 0;
    }

    public Optional<ModelInput> input(String inputName) {
        return config.getInputList().stream().filter(i -> i.getName().equals(inputName)).findFirst();
    }

    public Optional<ModelOutput> output(String outputName) {
        return config.getOutputList().stream().filter(o -> o.getName().equals(outputName)).findFirst();
    }

    /** The shape clients must send: the config's dims, behind a -1 batch dimension when the model batches. */
    public List<Long> expectedShape(List<Long> dims) {
        List<Long> shape = new ArrayList<>();
        if (batched()) {
            shape.add(-1L);
        }
        shape.addAll(dims);
        return shape;
    }

    /** What ModelMetadata answers: Triton's datatype strings and batch-extended shapes. */
    public ModelMetadataResponse metadata() {
        String platform = !config.getPlatform().isEmpty() ? config.getPlatform() : config.getBackend();
        ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder()
                .setName(name).addVersions(version).setPlatform(platform);
        for (ModelInput in : config.getInputList()) {
            b.addInputs(tensor(in.getName(), in.getDataType(), in.getDimsList()));
        }
        for (ModelOutput out : config.getOutputList()) {
            b.addOutputs(tensor(out.getName(), out.getDataType(), out.getDimsList()));
        }
        return b.build();
    }

    private ModelMetadataResponse.TensorMetadata tensor(String tensorName, DataType type, List<Long> dims) {
        return ModelMetadataResponse.TensorMetadata.newBuilder()
                .setName(tensorName).setDatatype(datatypeString(type)).addAllShape(expectedShape(dims)).build();
    }

    /** The protocol's name of a config data type: TYPE_STRING is "BYTES", the others drop "TYPE_". */
    public static String datatypeString(DataType type) {
        return switch (type) {
            case TYPE_STRING -> "BYTES";
            case TYPE_INVALID, UNRECOGNIZED -> "INVALID";
            default -> type.name().substring("TYPE_".length());
        };
    }
}
