package org.maverick.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The launcher's command line. Its own options start with {@code --}; {@code -D...} and {@code -X...}
 * are JVM options of the gateway; everything after {@code --} goes to the gateway's main as it is.
 * An unknown {@code --option} is an error rather than a gateway argument, so a misspelt launcher
 * option is not silently handed on.
 */
record Options(Optional<Path> gatewayJar, int kafkaPort, int standInPort, double timeScale, boolean noGateway,
               boolean help, List<String> gatewayJvmOptions, List<String> gatewayArguments) {

    static final int DEFAULT_KAFKA_PORT = 9092;
    /** Triton's own gRPC port, so a gateway configured for a real Triton on this host needs no change. */
    static final int DEFAULT_STAND_IN_PORT = 8001;

    /** Where the build puts the gateway, relative to the repository root. */
    static final Path GATEWAY_JAR = Path.of("gateway", "target", "quarkus-app", "quarkus-run.jar");

    static final String USAGE = """
            maverick-local: a single-node Kafka broker and the Triton stand-in (test and development tools) in
            this JVM, and the packaged gateway as a child JVM with -Dquarkus.profile=local and their addresses.

              java [-Dkey=value]... -jar local/target/maverick-local.jar [options] [-Dkey=value|-Xoption]... [-- gateway arguments]

              --gateway-jar PATH   the gateway to run (default: gateway/target/quarkus-app/quarkus-run.jar of this checkout)
              --kafka-port N       the broker's port (default 9092; 0 = any free port)
              --standin-port N     the stand-in's gRPC port (default 8001; 0 = any free port)
              --time-scale X       multiply the stand-in's modelled Maverick delays by X (default 1.0)
              --no-gateway         start only the broker and the stand-in (for quarkus:dev or a gateway started by hand)
              -Dkey=value, -X...   JVM options of the gateway (-D options given to this JVM are passed on too)

            Ctrl-C or SIGTERM stops the gateway (it drains its streams), then the stand-in and the broker.""";

    static Options parse(String... args) {
        Path gatewayJar = null;
        int kafkaPort = DEFAULT_KAFKA_PORT;
        int standInPort = DEFAULT_STAND_IN_PORT;
        double timeScale = 1.0;
        boolean noGateway = false;
        boolean help = false;
        List<String> jvm = new ArrayList<>();
        List<String> arguments = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--gateway-jar" -> gatewayJar = Path.of(value(args, ++i, arg));
                case "--kafka-port" -> kafkaPort = port(value(args, ++i, arg), arg);
                case "--standin-port" -> standInPort = port(value(args, ++i, arg), arg);
                case "--time-scale" -> timeScale = Double.parseDouble(value(args, ++i, arg));
                case "--no-gateway" -> noGateway = true;
                case "-h", "--help" -> help = true;
                case "--" -> {
                    arguments.addAll(List.of(args).subList(i + 1, args.length));
                    i = args.length;
                }
                default -> {
                    if (arg.startsWith("-D") || arg.startsWith("-X")) {
                        jvm.add(arg);
                    } else {
                        throw new IllegalArgumentException("unknown argument " + arg
                                + " (gateway arguments go after --; try --help)");
                    }
                }
            }
        }
        return new Options(Optional.ofNullable(gatewayJar), kafkaPort, standInPort, timeScale, noGateway, help,
                List.copyOf(jvm), List.copyOf(arguments));
    }

    /**
     * The gateway's command line. The launcher's settings come first and the user's {@code -D} options
     * after them, because the last of two equal {@code -D} options wins: a user may still point the
     * gateway elsewhere or pick another profile.
     *
     * @param inheritedProperties {@code -D} options this launcher's JVM was started with
     */
    List<String> gatewayCommand(Path java, Path jar, String kafkaBootstrap, String tritonEndpoint,
                                List<String> inheritedProperties) {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.add("-Dquarkus.profile=local");
        command.add("-Dkafka.bootstrap.servers=" + kafkaBootstrap);
        command.add("-Dgateway.triton.endpoint=" + tritonEndpoint);
        command.addAll(inheritedProperties);
        command.addAll(gatewayJvmOptions);
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(gatewayArguments);
        return command;
    }

    /**
     * The gateway to run: {@code --gateway-jar}, else {@link #GATEWAY_JAR} under the nearest directory
     * above this launcher's jar that has one (so the command works from any working directory), else
     * under the working directory.
     */
    Path resolveGatewayJar(Path launcherLocation) {
        if (gatewayJar.isPresent()) {
            return gatewayJar.get();
        }
        for (Path dir = launcherLocation.toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(GATEWAY_JAR);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return GATEWAY_JAR.toAbsolutePath();
    }

    private static int port(String value, String option) {
        int port = Integer.parseInt(value);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(option + " must be 0..65535, not " + value);
        }
        return port;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
