package org.maverick.gateway.backend.triton;

import com.google.protobuf.TextFormat;
import inference.GrpcService.ModelInferRequest;
import inference.GrpcService.ModelInferRequest.InferInputTensor;
import inference.GrpcService.ModelMetadataResponse;
import inference.GrpcService.ModelMetadataResponse.TensorMetadata;
import inference.ModelConfigOuterClass.DataType;
import inference.ModelConfigOuterClass.ModelConfig;
import inference.ModelConfigOuterClass.ModelInput;
import inference.ModelConfigOuterClass.ModelOutput;
import inference.ModelConfigOuterClass.ModelTransactionPolicy;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.maverick.gateway.generation.Generation;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The checked-in Triton model repository against the gateway's side of the contract: every
 * {@code config.pbtxt} under {@code triton-model-repo/} parses as Triton's {@code ModelConfig}, and
 * for each model the gateway can talk to, every tensor {@link TritonRequests#build} sends is declared
 * with the datatype and shape it is sent with, every required input is sent, and the outputs
 * {@code TritonResponses} reads exist with the types it reads them as. Every {@code model.yaml}
 * (the default and the per-GPU profiles) parses and keeps the model decoupled.
 */
class ModelRepositoryContractTest {

    /** The repository, from the gateway module's directory (where Surefire runs). */
    static final Path REPO = Path.of("..", "triton-model-repo").toAbsolutePath().normalize();

    private static Generation generation() {
        // Every optional input in play: a seed, stop strings (two elements), non-default sampling.
        return new Generation("chatcmpl-contract", "llama-4-maverick", Generation.Kind.CHAT, "Tell me about rivers.", 6,
                true, new Generation.Sampling(128, 0.6, 0.9, 0.1, 0.2, OptionalLong.of(7)), List.of("END", "STOP"),
                true, false, 0, Generation.Dispatch.DIRECT, "anonymous");
    }

    static List<Path> configs() throws IOException {
        try (Stream<Path> files = Files.walk(REPO)) {
            return files.filter(p -> p.getFileName().toString().equals("config.pbtxt"))
                    .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/src/"))
                    .sorted().toList();
        }
    }

    static List<Path> modelYamls() throws IOException {
        try (Stream<Path> files = Files.walk(REPO)) {
            return files.filter(p -> p.getFileName().toString().equals("model.yaml"))
                    .filter(p -> !p.toString().contains("/target/"))
                    .sorted().toList();
        }
    }

    /** Parses a config.pbtxt and, like the llmapi model.py at load time, applies model.yaml's triton_config. */
    static ModelConfig load(Path pbtxt) throws IOException {
        ModelConfig.Builder b = ModelConfig.newBuilder();
        TextFormat.merge(Files.readString(pbtxt), b);
        if (b.getName().isEmpty()) {
            b.setName(pbtxt.getParent().getFileName().toString());
        }
        Path yaml = pbtxt.getParent().resolve("1").resolve("model.yaml");
        if (Files.isRegularFile(yaml)) {
            Map<String, Object> triton = tritonConfig(yaml);
            b.setMaxBatchSize(((Number) triton.get("max_batch_size")).intValue());
            b.setModelTransactionPolicy(ModelTransactionPolicy.newBuilder()
                    .setDecoupled(Boolean.TRUE.equals(triton.get("decoupled"))));
        }
        return b.build();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> tritonConfig(Path yaml) throws IOException {
        Object root = new Yaml().load(Files.readString(yaml));
        Map<String, Object> map = assertInstanceOf(Map.class, root, yaml + " is not a YAML mapping");
        return assertInstanceOf(Map.class, map.get("triton_config"), yaml + " has no triton_config section");
    }

    /** Triton's metadata datatype for a config type: TYPE_STRING travels as BYTES, the rest drop "TYPE_". */
    static String wireType(DataType t) {
        return t == DataType.TYPE_STRING ? "BYTES" : t.name().substring("TYPE_".length());
    }

    /** What Triton's ModelMetadata answers for this config, the input of {@link ModelContract#from}. */
    static ModelMetadataResponse metadata(ModelConfig c) {
        ModelMetadataResponse.Builder m = ModelMetadataResponse.newBuilder().setName(c.getName()).addVersions("1");
        for (ModelInput in : c.getInputList()) {
            m.addInputs(TensorMetadata.newBuilder().setName(in.getName()).setDatatype(wireType(in.getDataType()))
                    .addAllShape(in.getDimsList()));
        }
        for (ModelOutput out : c.getOutputList()) {
            m.addOutputs(TensorMetadata.newBuilder().setName(out.getName()).setDatatype(wireType(out.getDataType()))
                    .addAllShape(out.getDimsList()));
        }
        return m.build();
    }

    @Test
    void theRepositoryHoldsTheLlmapiModelAndTheEnsemble() throws IOException {
        List<String> names = new ArrayList<>();
        for (Path p : configs()) {
            names.add(load(p).getName());
        }
        assertTrue(names.contains("tensorrt_llm"), names.toString());
        assertTrue(names.contains("ensemble"), names.toString());
    }

    @TestFactory
    Stream<DynamicTest> everyConfigParsesAndFitsTheGatewaysRequestsAndResponses() throws IOException {
        List<Path> configs = configs();
        assertFalse(configs.isEmpty(), "no config.pbtxt under " + REPO);
        return configs.stream().map(p -> DynamicTest.dynamicTest(REPO.relativize(p).toString(), () -> check(p)));
    }

    private static void check(Path pbtxt) throws IOException {
        ModelConfig config = load(pbtxt);
        ModelContract contract = ModelContract.from(metadata(config), config);
        assertTrue(contract.decoupled(), config.getName() + " must be decoupled: the gateway only streams");

        ModelInferRequest request = TritonRequests.build(generation(), contract);
        assertEquals(request.getInputsCount(), request.getRawInputContentsCount());
        Map<String, ModelInput> declared = new HashMap<>();
        config.getInputList().forEach(i -> declared.put(i.getName(), i));
        for (int i = 0; i < request.getInputsCount(); i++) {
            InferInputTensor sent = request.getInputs(i);
            ModelInput in = declared.get(sent.getName());
            assertNotNull(in, config.getName() + " does not declare the input '" + sent.getName() + "' the gateway sends");
            assertEquals(wireType(in.getDataType()), sent.getDatatype(), "datatype of " + sent.getName());
            checkShape(config, in, sent);
        }
        List<String> sent = request.getInputsList().stream().map(InferInputTensor::getName).toList();
        for (ModelInput in : config.getInputList()) {
            if (!in.getOptional()) {
                assertTrue(sent.contains(in.getName()), config.getName() + " requires '" + in.getName()
                        + "' but the gateway does not send it; it sends " + sent);
            }
        }

        // What TritonResponses reads, for each contract.
        Map<String, String> outputs = contract.outputs();
        assertEquals("BYTES", outputs.get("text_output"), config.getName() + ": text_output");
        if (contract.kind() == ModelContract.Kind.LLMAPI) {
            assertTrue(sent.containsAll(List.of("streaming", "sampling_param_max_tokens", "return_finish_reason",
                    "sampling_param_stop", "sampling_param_seed")), sent.toString());
            assertEquals("BYTES", outputs.get("finish_reason"), config.getName() + ": finish_reason");
        } else {
            assertTrue(sent.containsAll(List.of("max_tokens", "stream", "return_num_input_tokens",
                    "return_num_output_tokens", "stop_words")), sent.toString());
            assertEquals("INT32", outputs.get("num_input_tokens"), config.getName() + ": num_input_tokens");
            assertEquals("INT32", outputs.get("num_output_tokens"), config.getName() + ": num_output_tokens");
        }
    }

    /** The sent shape is the declared dims (with -1 free), behind a batch dimension when max_batch_size > 0. */
    private static void checkShape(ModelConfig config, ModelInput in, InferInputTensor sent) {
        List<Long> shape = new ArrayList<>(sent.getShapeList());
        if (config.getMaxBatchSize() > 0) {
            assertFalse(shape.isEmpty(), in.getName() + " needs a batch dimension");
            long batch = shape.remove(0);
            assertTrue(batch >= 1 && batch <= config.getMaxBatchSize(), in.getName() + " batch " + batch);
        }
        List<Long> dims = in.getDimsList();
        assertEquals(dims.size(), shape.size(), "rank of " + in.getName() + ": sent " + sent.getShapeList()
                + ", declared " + dims);
        for (int d = 0; d < dims.size(); d++) {
            if (dims.get(d) != -1) {
                assertEquals(dims.get(d), shape.get(d), "dimension " + d + " of " + in.getName() + ": sent "
                        + sent.getShapeList() + ", declared " + dims);
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> everyModelYamlVariantStreamsOnAWholeNode() throws IOException {
        List<Path> yamls = modelYamls();
        assertTrue(yamls.size() >= 4, "the default and the h100, h200, b200 profiles: " + yamls);
        return yamls.stream().map(p -> DynamicTest.dynamicTest(REPO.relativize(p).toString(), () -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> root = new Yaml().load(Files.readString(p));
            Map<String, Object> triton = tritonConfig(p);
            assertEquals(Boolean.TRUE, triton.get("decoupled"), p + ": triton_config.decoupled must be true");
            assertEquals(0, triton.get("max_batch_size"), p + ": triton_config.max_batch_size");
            assertEquals("pytorch", root.get("backend"), p + ": Llama 4 runs only on the PyTorch backend");
            assertEquals(8, root.get("tensor_parallel_size"), p + ": one replica fills an 8-GPU node");
            assertTrue(String.valueOf(root.get("model")).contains("Maverick"), p + ": model");
            for (String key : List.of("moe_expert_parallel_size", "enable_attention_dp", "max_batch_size",
                    "max_num_tokens", "max_seq_len", "enable_chunked_prefill", "stream_interval", "kv_cache_config",
                    "cuda_graph_config")) {
                assertTrue(root.containsKey(key), p + " lacks " + key);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> kv = (Map<String, Object>) root.get("kv_cache_config");
            assertEquals("fp8", kv.get("dtype"), p + ": FP8 KV cache");
            double fraction = ((Number) kv.get("free_gpu_memory_fraction")).doubleValue();
            assertTrue(fraction > 0 && fraction < 1, p + ": free_gpu_memory_fraction " + fraction);
            @SuppressWarnings("unchecked")
            Map<String, Object> graphs = (Map<String, Object>) root.get("cuda_graph_config");
            assertEquals(root.get("max_batch_size"), graphs.get("max_batch_size"),
                    p + ": CUDA graph batch size should equal max_batch_size");
            if (!(root.get("stream_interval") instanceof Integer interval) || interval < 1) {
                fail(p + ": stream_interval must be a positive integer");
            }
        }));
    }
}
