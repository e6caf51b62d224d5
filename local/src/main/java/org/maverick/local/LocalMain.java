package org.maverick.local;

import java.io.IOException;

import org.jboss.logging.Logger;

/**
 * The one-command local run: {@code java -jar local/target/maverick-local.jar} (see {@link Options#USAGE}).
 *
 * <p>The broker and the stand-in run here, in the launcher's JVM, and the gateway runs as the same
 * {@code quarkus-run.jar} that production ships, because the gateway's artifact must not contain either
 * tool: a gateway that could start a broker or answer from a stand-in is one configuration mistake away
 * from doing so in production. The exit code is the gateway's.
 */
public final class LocalMain {

    private LocalMain() {
    }

    public static void main(String[] args) throws Exception {
        // Before any logger exists: the broker (SLF4J, Log4j 2 API), the stand-in and this launcher then log
        // through one backend, configured by logging.properties.
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("maverick-local: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.println(Options.USAGE);
            return;
        }
        LocalStack stack = new LocalStack(options);
        Runtime.getRuntime().addShutdownHook(new Thread(stack::stop, "maverick-local-shutdown"));
        int code;
        try {
            code = stack.run();
        } catch (IOException e) {
            // A port in use or a missing file: the message says which; the broker already logged its details.
            Logger.getLogger(LocalMain.class).error(e.getMessage());
            code = 1;
        } catch (RuntimeException e) {
            Logger.getLogger(LocalMain.class).error(e.getMessage(), e);
            code = 1;
        }
        stack.stop();
        System.exit(code);
    }
}
