package io.github.mbedtlsjni.bench;

import io.github.mbedtlsjni.TlsClient;
import io.github.mbedtlsjni.TlsConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * Jetty 12 serving HTTPS/1.1 on the MbedTLS provider against Jetty on SunJSSE, for
 * scripts/bench-server (docs/performance.md "Jetty"). Prints {@code RESULT <name> <value> <unit>}
 * lines; the server prints {@code PORT n} and serves until killed.
 *
 * <pre>
 *   JettyBench server provider|jsse PKI_DIR
 *            Jetty on 127.0.0.1 with the PKI's chain; GET / answers 13 bytes of text, GET /stats
 *            the requests served so far and the process's CPU time (user + system) in µs
 *   JettyBench client PORT ROOT_PEM CONNECTIONS WARMUP_S SECONDS
 *            CONNECTIONS keep-alive connections, one thread each, sending GET / one after another
 *            (this library's TlsClient: the same client for both servers); after WARMUP_S seconds,
 *            SECONDS measured: requests per second, and the server's CPU time per request from
 *            /stats before and after
 * </pre>
 */
public final class JettyBench {
    private static final byte[] BODY = "hello, world\n".getBytes(StandardCharsets.US_ASCII);
    private static final AtomicLong requests = new AtomicLong();

    private JettyBench() {}

    public static void main(String[] args) throws Exception {
        switch (args.length > 0 ? args[0] : "") {
            case "server":
                server(args[1].equals("provider"), Path.of(args[2]));
                break;
            case "client":
                client(Integer.parseInt(args[1]), Path.of(args[2]), Integer.parseInt(args[3]),
                        Double.parseDouble(args[4]), Double.parseDouble(args[5]));
                break;
            default:
                System.err.println("usage: JettyBench server|client ... (see the class comment)");
                System.exit(64);
        }
    }

    // --- the server ----------------------------------------------------------------------------------

    private static void server(boolean provider, Path pki) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] password = "bench".toCharArray();
        ks.setKeyEntry("server", DtlsBench.privateKey(pki.resolve("server.key")), password,
                DtlsBench.certificates(pki.resolve("chain.pem")));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        SSLContext context = provider ? SSLContext.getInstance("TLS", new io.github.mbedtlsjni.jsse.MbedTlsProvider())
                : SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);

        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setSslContext(context);
        HttpConfiguration config = new HttpConfiguration();
        config.addCustomizer(new SecureRequestCustomizer(false)); // as a deployment has it; no SNI check
        HttpConnectionFactory http = new HttpConnectionFactory(config);
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, new SslConnectionFactory(tls, http.getProtocol()), http);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                byte[] body = BODY;
                if (Request.getPathInContext(request).equals("/stats")) {
                    body = stats().getBytes(StandardCharsets.US_ASCII);
                } else {
                    requests.incrementAndGet();
                }
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
                response.write(true, ByteBuffer.wrap(body), callback);
                return true;
            }
        });
        server.start();
        System.out.println("PORT " + connector.getLocalPort());
        System.out.flush();
        server.join();
    }

    private static String stats() {
        long cpuUs = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1000;
        return "requests=" + requests.get() + " cpu_us=" + cpuUs + "\n";
    }

    // --- the client ----------------------------------------------------------------------------------

    private static void client(int port, Path root, int connections, double warmupS, double seconds) throws Exception {
        try (TlsClient client = TlsClient.builder().trustPemFile(root).build()) {
            System.out.println("INFO " + new Http(client, port).protocol());
            List<Http> links = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                links.add(new Http(client, port));
            }
            long warmEnd = System.nanoTime() + (long) (warmupS * 1e9);
            run(links, warmEnd);
            long[] before = serverStats(client, port);
            long from = System.nanoTime();
            long done = run(links, from + (long) (seconds * 1e9));
            double elapsed = (System.nanoTime() - from) / 1e9;
            long[] after = serverStats(client, port);
            for (Http link : links) {
                link.close();
            }
            long served = after[0] - before[0];
            if (served < done) {
                throw new IllegalStateException("the server counted " + served + " requests, the client " + done);
            }
            System.out.printf("RESULT requests_per_s %.1f 1/s%n", done / elapsed);
            System.out.printf("RESULT server_cpu_us_per_request %.1f us%n", (after[1] - before[1]) / (double) served);
        }
    }

    /** Every connection sends requests until the deadline, each in its own thread: the count. */
    private static long run(List<Http> links, long deadline) throws Exception {
        AtomicLong count = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        Exception[] failure = new Exception[1];
        for (Http link : links) {
            Thread t = new Thread(() -> {
                try {
                    long n = 0;
                    while (System.nanoTime() < deadline) {
                        link.get("/");
                        n++;
                    }
                    count.addAndGet(n);
                } catch (IOException | RuntimeException e) {
                    synchronized (failure) {
                        failure[0] = e;
                    }
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        return count.get();
    }

    /** {requests, cpu_us} from the server's /stats, on a connection of its own. */
    private static long[] serverStats(TlsClient client, int port) throws IOException {
        try (Http link = new Http(client, port)) {
            String s = link.get("/stats");
            long[] v = new long[2];
            for (String kv : s.trim().split(" ")) {
                String[] p = kv.split("=");
                v[p[0].equals("requests") ? 0 : 1] = Long.parseLong(p[1]);
            }
            return v;
        }
    }

    /** One keep-alive HTTP/1.1 connection: a request, then its whole response, and again. */
    private static final class Http implements AutoCloseable {
        private final TlsConnection connection;
        private final InputStream in;
        private final OutputStream out;
        private final byte[] buf = new byte[4096];

        Http(TlsClient client, int port) throws IOException {
            connection = client.connect("localhost", port);
            in = connection.getInputStream();
            out = connection.getOutputStream();
        }

        String protocol() {
            return connection.protocol() + " " + connection.ciphersuite();
        }

        /** The body of GET path; a response that is not 200 with a Content-Length fails. */
        String get(String path) throws IOException {
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            int have = 0, headerEnd = -1;
            while (headerEnd < 0) {
                int n = in.read(buf, have, buf.length - have);
                if (n < 0) {
                    throw new IOException("the server closed the connection");
                }
                have += n;
                headerEnd = indexOf(buf, have, "\r\n\r\n");
            }
            String head = new String(buf, 0, headerEnd, StandardCharsets.US_ASCII);
            if (!head.startsWith("HTTP/1.1 200")) {
                throw new IOException("response: " + head);
            }
            int at = head.toLowerCase(java.util.Locale.ROOT).indexOf("content-length:");
            if (at < 0) {
                throw new IOException("no Content-Length: " + head);
            }
            int end = head.indexOf('\r', at);
            int length = Integer.parseInt(head.substring(at + 15, end < 0 ? head.length() : end).trim());
            int total = headerEnd + 4 + length;
            while (have < total) {
                int n = in.read(buf, have, buf.length - have);
                if (n < 0) {
                    throw new IOException("the server closed the connection");
                }
                have += n;
            }
            return new String(buf, headerEnd + 4, length, StandardCharsets.US_ASCII);
        }

        private static int indexOf(byte[] b, int len, String s) {
            outer:
            for (int i = 0; i + s.length() <= len; i++) {
                for (int j = 0; j < s.length(); j++) {
                    if (b[i + j] != s.charAt(j)) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }

        @Override
        public void close() throws IOException {
            connection.close();
        }
    }
}
