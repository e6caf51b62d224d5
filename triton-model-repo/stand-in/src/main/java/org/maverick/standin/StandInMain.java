package org.maverick.standin;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar triton-stand-in.jar [--host H] [--port P] [--model-repository DIR]... [--time-scale X] [--slots N] [--openai-port P]}
 */
public final class StandInMain {

    private StandInMain() {
    }

    public static void main(String[] args) throws Exception {
        TritonStandIn.Builder builder = TritonStandIn.builder().host("127.0.0.1").port(8001);
        List<Path> repositories = new ArrayList<>();
        Timing timing = Timing.defaults();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--host" -> builder.host(value(args, ++i, arg));
                case "--port" -> builder.port(Integer.parseInt(value(args, ++i, arg)));
                case "--model-repository" -> repositories.add(Path.of(value(args, ++i, arg)));
                case "--stock-llmapi" -> builder.stockLlmapiContract(true);
                case "--time-scale" -> timing = timing.withScale(Double.parseDouble(value(args, ++i, arg)));
                case "--slots" -> timing = timing.withSlots(Integer.parseInt(value(args, ++i, arg)));
                case "--openai-port" -> {
                    int p = Integer.parseInt(value(args, ++i, arg));
                    if (p > 0) {
                        builder.openAiPort(p);
                    }
                }
                case "-h", "--help" -> {
                    System.out.println("""
                            Triton stand-in: a test/development gRPC server speaking Triton's protocol. Not Triton.
                              --host H               address to bind (default 127.0.0.1)
                              --port P               gRPC port (default 8001, as Triton)
                              --model-repository D   serve this repository (repeatable; default: the bundled ones)
                              --stock-llmapi         serve llmapi models without prompt_format (TensorRT-LLM's
                                                     stock model.py: a gateway sends it no pictures)
                              --time-scale X         multiply every delay by X (default 1.0)
                              --slots N              in-flight batch slots (default 256)
                              --openai-port P        also serve POST /v1/chat/completions (SSE) on this port,
                                                     e.g. 8000 as Triton's HTTP port (default 0 = off)""");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + arg + " (try --help)");
            }
        }
        if (!repositories.isEmpty()) {
            builder.modelRepositories(repositories);
        }
        TritonStandIn standIn = builder.timing(timing).build().start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            standIn.close();
            stopped.countDown();
        }, "stand-in-shutdown"));
        stopped.await();
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
