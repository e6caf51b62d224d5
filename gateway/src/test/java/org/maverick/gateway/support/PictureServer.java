package org.maverick.gateway.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import javax.imageio.ImageIO;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTPS image server on 127.0.0.1 for the gateway's fetch tests, with a self-signed certificate for
 * {@code localhost} made by the JDK's keytool when it starts; only a gateway given {@link #certificatePem()}
 * trusts it. The certificate names {@code localhost} and no IP address, so a fetch that connects to
 * 127.0.0.1 succeeds only if it checks the certificate against the URL's host name.
 *
 * <p>Paths: {@code /pic.png} a 64x48 PNG; {@code /redirect} a relative redirect to it; {@code /to-metadata}
 * and {@code /to-private} redirects to 169.254.169.254 and 10.0.0.1; {@code /loop} a redirect to itself;
 * {@code /text.png} text labelled image/png; {@code /big} an endless chunked body (up to {@link #BIG}
 * bytes); {@code /big-declared} a Content-Length over a megabyte; {@code /stall} headers never sent.
 */
public final class PictureServer implements AutoCloseable {

    public static final long BIG = 64L << 20;

    private final Path dir;
    private final HttpsServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(8);
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final byte[] png;
    /** Bytes of {@code /big} written before the client stopped reading, once its handler has ended. */
    public final AtomicLong bigWritten = new AtomicLong(-1);
    public volatile String lastHost;

    public PictureServer() throws Exception {
        dir = Files.createTempDirectory("picture-server");
        char[] password = "changeit".toCharArray();
        Path store = dir.resolve("server.p12");
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost", "-validity", "2",
                "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-file", dir.resolve("server.pem").toString());
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, password);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB), "png", out);
        png = out.toByteArray();

        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    private static void keytool(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("keytool failed: " + output);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code https://localhost:<port><path>}. */
    public String url(String path) {
        return "https://localhost:" + port() + path;
    }

    public Path certificatePem() {
        return dir.resolve("server.pem");
    }

    public int hits(String path) {
        AtomicInteger n = hits.get(path);
        return n == null ? 0 : n.get();
    }

    public int totalHits() {
        return hits.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    private void handle(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        lastHost = x.getRequestHeaders().getFirst("Host");
        try {
            switch (path) {
                case "/pic.png" -> send(x, 200, "image/png", png);
                case "/redirect" -> redirect(x, "pic.png");
                case "/to-metadata" -> redirect(x, "https://169.254.169.254/latest/meta-data/");
                case "/to-private" -> redirect(x, "https://10.0.0.1:" + port() + "/pic.png");
                case "/loop" -> redirect(x, "/loop");
                case "/text.png" -> send(x, 200, "image/png", "hello, I am text".getBytes(StandardCharsets.UTF_8));
                case "/big-declared" -> {
                    x.getResponseHeaders().set("Content-Type", "image/png");
                    x.sendResponseHeaders(200, 2L << 20);
                }
                case "/big" -> big(x);
                case "/stall" -> release.await(30, TimeUnit.SECONDS);
                default -> send(x, 404, "text/plain", "not here".getBytes(StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            x.close();
        }
    }

    private void big(HttpExchange x) throws IOException {
        x.getResponseHeaders().set("Content-Type", "image/png");
        x.sendResponseHeaders(200, 0); // chunked: no size declared, only counting can stop it
        byte[] chunk = new byte[64 * 1024];
        System.arraycopy(png, 0, chunk, 0, 16); // starts like a PNG
        long written = 0;
        try {
            OutputStream out = x.getResponseBody();
            while (written < BIG) {
                out.write(chunk);
                written += chunk.length;
            }
            out.flush();
        } catch (IOException stopped) {
            // the client reset the connection: what matters is how far it got
        } finally {
            bigWritten.set(written);
        }
    }

    private static void redirect(HttpExchange x, String location) throws IOException {
        x.getResponseHeaders().set("Location", location);
        x.sendResponseHeaders(302, -1);
    }

    private static void send(HttpExchange x, int status, String type, byte[] body) throws IOException {
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(status, body.length);
        x.getResponseBody().write(body);
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        threads.shutdownNow();
        try {
            Files.deleteIfExists(dir.resolve("server.p12"));
            Files.deleteIfExists(dir.resolve("server.pem"));
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
