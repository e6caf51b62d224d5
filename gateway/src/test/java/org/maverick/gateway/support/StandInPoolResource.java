package org.maverick.gateway.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.maverick.standin.Timing;
import org.maverick.standin.TritonStandIn;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts {@link #SIZE} Triton stand-ins on loopback with fast timing, a pool for the gateway
 * ({@code gateway.triton.endpoint} lists them all). The ports are chosen when the class loads, so a
 * test can close a stand-in and {@link #restart} it on the same port, as a restarted Triton pod would
 * come back at its address. Use through {@link StandInPoolProfile}.
 */
public class StandInPoolResource implements QuarkusTestResourceLifecycleManager {

    public static final int SIZE = 2;
    private static final int[] PORTS = freePorts(SIZE);
    private static final TritonStandIn[] STAND_INS = new TritonStandIn[SIZE];

    /** The stand-in at position {@code i} (its current incarnation after a restart). */
    public static synchronized TritonStandIn standIn(int i) {
        return STAND_INS[i];
    }

    public static int port(int i) {
        return PORTS[i];
    }

    public static String address(int i) {
        return "127.0.0.1:" + PORTS[i];
    }

    /** The value of {@code gateway.triton.endpoint}: every stand-in, comma-separated. */
    public static String endpoints() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < SIZE; i++) {
            out.add(address(i));
        }
        return String.join(",", out);
    }

    /** Closes stand-in {@code i} (in-flight calls are aborted after the 2 s grace). */
    public static synchronized void kill(int i) {
        if (STAND_INS[i] != null) {
            STAND_INS[i].close();
            STAND_INS[i] = null;
        }
    }

    /** Starts stand-in {@code i} again on its port (after {@link #kill}); healthy, with fresh counters. */
    public static synchronized TritonStandIn restart(int i) {
        kill(i);
        try {
            STAND_INS[i] = TritonStandIn.builder().host("127.0.0.1").port(PORTS[i]).timing(Timing.fast()).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return STAND_INS[i];
    }

    /** Back to healthy: every stand-in running, faults cleared, counters zeroed. */
    public static synchronized void healAll() {
        for (int i = 0; i < SIZE; i++) {
            if (STAND_INS[i] == null) {
                restart(i);
            }
            STAND_INS[i].faults().clear();
            STAND_INS[i].faults().ready(true);
            STAND_INS[i].counters().reset();
        }
    }

    @Override
    public Map<String, String> start() {
        for (int i = 0; i < SIZE; i++) {
            restart(i);
        }
        return Map.of("gateway.triton.endpoint", endpoints());
    }

    @Override
    public void stop() {
        for (int i = 0; i < SIZE; i++) {
            kill(i);
        }
    }

    private static int[] freePorts(int n) {
        // Held open together so that the n ports differ; released before the stand-ins bind them.
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0);
                s.setReuseAddress(true);
                sockets.add(s);
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            sockets.forEach(s -> {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // nothing to do: the port is released either way
                }
            });
        }
    }
}
