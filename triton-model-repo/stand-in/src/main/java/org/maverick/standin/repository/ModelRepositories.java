package org.maverick.standin.repository;

import com.google.protobuf.TextFormat;
import inference.ModelConfigOuterClass.ModelConfig;
import inference.ModelConfigOuterClass.ModelTransactionPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/**
 * Reads Triton model repositories: every sub-directory holding a {@code config.pbtxt} is a model,
 * parsed with protobuf TextFormat; a {@code <version>/model.yaml} with a {@code triton_config}
 * section (TensorRT-LLM's llmapi model) overrides {@code max_batch_size} and the decoupled policy,
 * as that model's model.py does at load time. The model name defaults to the directory name.
 */
public final class ModelRepositories {

    /** Class-path folders the stand-in's jar bundles (see the module's pom). */
    public static final List<String> BUNDLED = List.of("triton-model-repo", "triton-model-repo-engine");

    private final Map<String, ServedModel> models;

    private ModelRepositories(Map<String, ServedModel> models) {
        this.models = Collections.unmodifiableMap(models);
    }

    public static ModelRepositories load(List<Path> roots) {
        Map<String, ServedModel> models = new LinkedHashMap<>();
        for (Path root : roots) {
            for (ServedModel model : readRepository(root)) {
                if (models.putIfAbsent(model.name(), model) != null) {
                    throw new IllegalStateException("model '" + model.name() + "' appears in more than one repository");
                }
            }
        }
        return new ModelRepositories(models);
    }

    /** The repositories bundled on the class path ({@link #BUNDLED}). */
    public static ModelRepositories bundled() {
        List<Path> roots = new ArrayList<>();
        for (String folder : BUNDLED) {
            roots.add(classPathFolder(folder));
        }
        return load(roots);
    }

    /** The same models with a config parameter removed (e.g. to serve the stock llmapi contract). */
    public ModelRepositories withoutParameter(String parameter) {
        Map<String, ServedModel> changed = new LinkedHashMap<>();
        models.forEach((name, m) -> changed.put(name, new ServedModel(m.name(), m.version(),
                m.config().toBuilder().removeParameters(parameter).build(), m.contract())));
        return new ModelRepositories(changed);
    }

    public Optional<ServedModel> find(String name) {
        return Optional.ofNullable(models.get(name));
    }

    public Map<String, ServedModel> all() {
        return models;
    }

    private static List<ServedModel> readRepository(Path root) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("model repository " + root + " is not a directory");
        }
        List<ServedModel> found = new ArrayList<>();
        try (Stream<Path> children = Files.list(root)) {
            for (Path dir : children.sorted().toList()) {
                Path pbtxt = dir.resolve("config.pbtxt");
                if (Files.isDirectory(dir) && Files.isRegularFile(pbtxt)) {
                    found.add(readModel(dir, pbtxt));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model repository " + root, e);
        }
        return found;
    }

    private static ServedModel readModel(Path dir, Path pbtxt) throws IOException {
        ModelConfig.Builder config = ModelConfig.newBuilder();
        TextFormat.merge(Files.readString(pbtxt, StandardCharsets.UTF_8), config);
        String dirName = stripSlash(dir.getFileName().toString());
        if (config.getName().isEmpty()) {
            config.setName(dirName);
        }
        String version = "1";
        Path yaml = dir.resolve(version).resolve("model.yaml");
        if (Files.isRegularFile(yaml)) {
            applyTritonConfig(config, Files.readString(yaml, StandardCharsets.UTF_8));
        }
        ModelConfig built = config.build();
        return new ServedModel(built.getName(), version, built, Contract.of(built));
    }

    @SuppressWarnings("unchecked")
    static void applyTritonConfig(ModelConfig.Builder config, String yamlText) {
        Object root = new Yaml().load(yamlText);
        if (!(root instanceof Map<?, ?> map) || !(map.get("triton_config") instanceof Map<?, ?> triton)) {
            return;
        }
        Object maxBatch = triton.get("max_batch_size");
        if (maxBatch instanceof Number n) {
            config.setMaxBatchSize(n.intValue());
        }
        Object decoupled = triton.get("decoupled");
        if (decoupled != null) {
            // YAML reads True/False as booleans; accept the strings too.
            boolean value = decoupled instanceof Boolean b ? b : Boolean.parseBoolean(decoupled.toString());
            config.setModelTransactionPolicy(ModelTransactionPolicy.newBuilder().setDecoupled(value));
        }
    }

    private static String stripSlash(String name) {
        return name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    }

    private static Path classPathFolder(String folder) {
        URL url = ModelRepositories.class.getClassLoader().getResource(folder);
        if (url == null) {
            throw new IllegalStateException("bundled model repository '" + folder + "' is not on the class path");
        }
        try {
            URI uri = url.toURI();
            if ("jar".equals(uri.getScheme())) {
                FileSystem fs;
                try {
                    fs = FileSystems.newFileSystem(uri, Map.of());
                } catch (FileSystemAlreadyExistsException e) {
                    fs = FileSystems.getFileSystem(uri);
                }
                return fs.provider().getPath(uri);
            }
            return Path.of(uri);
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException("cannot open bundled model repository '" + folder + "'", e);
        }
    }

}
