package org.maverick.benchmark;

import java.util.Arrays;
import org.maverick.benchmark.load.LoadMain;
import org.maverick.benchmark.suite.Suite;

/**
 * {@code java -jar benchmark/target/maverick-benchmark.jar load|suite|jmh [options]}:
 * the load generator, the whole benchmark, or the JMH microbenchmarks.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        }
        String command = args.length == 0 ? "--help" : args[0];
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        switch (command) {
            case "load" -> LoadMain.main(rest);
            case "suite" -> Suite.main(rest);
            case "jmh" -> org.openjdk.jmh.Main.main(rest);
            case "stages" -> org.maverick.gateway.request.PromptStages.main(rest);
            default -> System.out.println("""
                    maverick-benchmark: load | suite | jmh | stages
                      load   drive an OpenAI-compatible SSE endpoint or the gateway's WebSocket (load --help)
                      suite  the whole benchmark: stand-in, Kafka, packaged gateway, every scenario (suite --help)
                      jmh    JMH microbenchmarks of the gateway's per-token hot path (jmh -h)
                      stages a long chat's way in, stage by stage, by prompt size (stages --help)""");
        }
    }
}
