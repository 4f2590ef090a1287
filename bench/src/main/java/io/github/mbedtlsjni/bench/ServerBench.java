package io.github.mbedtlsjni.bench;

import io.github.mbedtlsjni.TlsConnection;
import io.github.mbedtlsjni.TlsServer;
import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.NetContext;
import io.github.mbedtlsjni.mbedtls.PkContext;
import io.github.mbedtlsjni.mbedtls.SslCache;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.SslTicket;
import io.github.mbedtlsjni.mbedtls.Tls13KeyExchangeMode;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * The TLS server benchmarks' Java servers and the binding's PSK client, for scripts/bench-server;
 * native/bench/mbedtls_bench.c is the C server ({@code serve}) and the load generator (its client
 * modes). Each mode prints {@code RESULT <name> <value> <unit>} lines; servers print
 * {@code PORT n} and serve until killed.
 *
 * <pre>
 *   ServerBench server jsse|provider|tlsserver|tlsserver-accept|thin PKI_DIR|psk
 *            a server on 127.0.0.1 speaking bench_server's commands ('E' echo, 'Q' counters) to
 *            one client after another: SunJSSE's SSLServerSocket (the JDK's default provider),
 *            the MbedTLS provider's SSLServerSocket, TlsServer (serve: a pool thread per client;
 *            tlsserver-accept: its accept() in one thread, the same without the hand-off),
 *            or the thin classes' accept loop (docs/server.md "The steps", in one thread, as the
 *            C server); psk: a pre-shared key instead of the PKI's chain (tlsserver and thin only)
 *   ServerBench client-psk PORT 1.2|1.3 SUITE WARMUP_S COUNT
 *            full PSK handshakes through the thin classes, as mbedtls_bench's handshake mode with
 *            --psk: SUITE (or "-": Mbed TLS's list) and in TLS 1.3 psk_ephemeral only; after
 *            WARMUP_S seconds of them, COUNT measured: handshakes per second and the process's CPU
 *            time per connection (as mbedtls_bench --count)
 *   ServerBench memory thin|tlsserver PKI_DIR MBEDTLS_BENCH N
 *            the server's resident memory, less what the JVM's native memory tracking accounts
 *            for, per cached session and per idle connection (run with a fixed, pre-touched heap
 *            and -XX:NativeMemoryTracking=summary; N connections from mbedtls_bench hold)
 * </pre>
 * The certificate servers keep TlsServer's defaults: no client authentication, a session cache
 * (1000 sessions) and session tickets (TLS 1.2 and 1.3), as the C server; SunJSSE has its own
 * cache and stateless tickets by default.
 */
public final class ServerBench {
    static final String PSK_IDENTITY = DtlsBench.PSK_IDENTITY;
    static final byte[] PSK = DtlsBench.PSK;

    private static final AtomicLong conns = new AtomicLong();
    private static final AtomicLong resumed = new AtomicLong();
    private static final long started = System.nanoTime();

    private ServerBench() {}

    public static void main(String[] args) throws Exception {
        switch (args.length > 0 ? args[0] : "") {
            case "server":
                server(args[1], args[2]);
                break;
            case "client-psk":
                clientPsk(Integer.parseInt(args[1]), args[2], args[3], Double.parseDouble(args[4]), Long.parseLong(args[5]));
                break;
            case "memory":
                memory(args[1], Path.of(args[2]), args[3], Integer.parseInt(args[4]));
                break;
            default:
                System.err.println("usage: ServerBench server|client-psk|memory ... (see the class comment)");
                System.exit(64);
        }
    }

    // --- servers -----------------------------------------------------------------------------------

    private static void server(String who, String pkiOrPsk) throws Exception {
        boolean psk = pkiOrPsk.equals("psk");
        Path pki = psk ? null : Path.of(pkiOrPsk);
        switch (who) {
            case "jsse":
            case "provider":
                if (psk) {
                    throw new IllegalArgumentException(who + ": JSSE has no API for pre-shared keys");
                }
                jsse(who.equals("provider"), pki);
                break;
            case "tlsserver":
                tlsServer(pki, false);
                break;
            case "tlsserver-accept":
                tlsServer(pki, true);
                break;
            case "thin":
                try (Thin thin = new Thin(pki, 1000)) {
                    System.out.println("PORT " + thin.port);
                    System.out.flush();
                    for (;;) {
                        try (NetContext client = thin.listener.accept(); SslContext ssl = new SslContext()) {
                            ssl.setup(thin.config);
                            ssl.setBio(client);
                            ssl.handshake();
                            count(ssl.isResumed());
                            serve(new SslIn(ssl), new SslOut(ssl));
                            ssl.closeNotify();
                        } catch (IOException | RuntimeException e) {
                            // one client's failure: serve the next, as the C server
                        }
                    }
                }
            default:
                throw new IllegalArgumentException("unknown server " + who);
        }
    }

    private static void count(boolean wasResumed) {
        conns.incrementAndGet();
        if (wasResumed) {
            resumed.incrementAndGet();
        }
    }

    /** bench_server's commands: 'E' echoes until the client closes, 'Q' writes the counters. */
    private static void serve(InputStream in, OutputStream out) throws IOException {
        byte[] buf = new byte[BenchEnv.CHUNK];
        int n = in.read(buf);
        if (n <= 0) {
            return;
        }
        if (buf[0] == 'E') {
            out.write(buf, 1, n - 1);
            out.flush();
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } else if (buf[0] == 'Q') {
            long cpuUs = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime() / 1000;
            String line = "conns=" + conns.get() + " resumed=" + resumed.get() + " cpu_us=" + cpuUs + " wall_us="
                    + (System.nanoTime() - started) / 1000 + "\n";
            out.write(line.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
    }

    /** SunJSSE's SSLServerSocket, or the MbedTLS provider's, one client after another. */
    private static void jsse(boolean provider, Path pki) throws Exception {
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
        try (SSLServerSocket listener = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 512,
                InetAddress.getLoopbackAddress())) {
            listener.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
            System.out.println("PORT " + listener.getLocalPort());
            System.out.flush();
            for (;;) {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.setTcpNoDelay(true);
                    s.startHandshake();
                    conns.incrementAndGet(); // JSSE does not tell whether a handshake resumed
                    serve(s.getInputStream(), s.getOutputStream());
                } catch (IOException | RuntimeException e) {
                    // one client's failure: serve the next
                }
            }
        }
    }

    private static void tlsServer(Path pki, boolean acceptLoop) throws Exception {
        TlsServer.Builder b = TlsServer.builder();
        if (pki == null) {
            b.pskLookup(identity -> new String(identity, StandardCharsets.UTF_8).equals(PSK_IDENTITY) ? PSK.clone() : null);
        } else {
            b.identity(pki.resolve("chain.pem"), pki.resolve("server.key"), null);
        }
        try (TlsServer server = b.build()) {
            server.bind("127.0.0.1", 0);
            System.out.println("PORT " + server.port());
            System.out.flush();
            while (acceptLoop) {
                try (TlsConnection c = server.accept()) {
                    count(c.isResumed());
                    serve(c.getInputStream(), c.getOutputStream());
                } catch (IOException e) {
                    // one client's failure: serve the next
                }
            }
            server.serve(c -> {
                count(c.isResumed());
                serve(c.getInputStream(), c.getOutputStream());
            });
        }
    }

    /** The thin classes' server: listener, config (chain or PSK, cache, tickets), and their owners. */
    static final class Thin implements AutoCloseable {
        final Entropy entropy = new Entropy();
        final CtrDrbg drbg = new CtrDrbg();
        final SslConfig config = new SslConfig();
        final X509Crt chain = new X509Crt();
        final PkContext key = new PkContext();
        final SslCache cache = new SslCache();
        final SslTicket ticket = new SslTicket();
        final NetContext listener = new NetContext();
        final int port;

        Thin(Path pki, int cacheEntries) {
            drbg.seed(entropy, "ServerBench");
            config.defaults(SslConfig.Endpoint.SERVER, SslConfig.Transport.STREAM);
            config.setRng(drbg);
            config.setAuthMode(AuthMode.NONE);
            if (pki == null) {
                config.setPsk(PSK, PSK_IDENTITY.getBytes(StandardCharsets.UTF_8));
            } else {
                chain.parseFile(pki.resolve("chain.pem"));
                key.parseKeyFile(pki.resolve("server.key"), null, drbg);
                config.setOwnCert(chain, key);
            }
            cache.setMaxEntries(cacheEntries);
            cache.setTimeout(86400);
            config.setSessionCache(cache);
            ticket.setup(drbg, 86400);
            config.setSessionTickets(ticket);
            port = listener.bind("127.0.0.1", 0);
        }

        @Override
        public void close() {
            listener.close();
            config.close();
            ticket.close();
            cache.close();
            key.close();
            chain.close();
            drbg.close();
            entropy.close();
        }
    }

    private static final class SslIn extends InputStream {
        private final SslContext ssl;

        SslIn(SslContext ssl) {
            this.ssl = ssl;
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return ssl.read(b, off, len);
        }
    }

    private static final class SslOut extends OutputStream {
        private final SslContext ssl;

        SslOut(SslContext ssl) {
            this.ssl = ssl;
        }

        @Override
        public void write(int b) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ssl.writeFully(b, off, len);
        }
    }

    // --- the PSK client ----------------------------------------------------------------------------

    private static void clientPsk(int port, String tls, String suite, double warmupS, long count) {
        try (Entropy entropy = new Entropy(); CtrDrbg drbg = new CtrDrbg(); SslConfig config = new SslConfig()) {
            drbg.seed(entropy, "ServerBench");
            config.defaults(SslConfig.Endpoint.CLIENT, SslConfig.Transport.STREAM);
            config.setRng(drbg);
            config.setPsk(PSK, PSK_IDENTITY.getBytes(StandardCharsets.UTF_8));
            if (!suite.equals("-")) {
                config.setCiphersuites(suite);
            }
            if (tls.equals("1.2")) {
                config.setMaxTlsVersion(TlsVersion.TLS1_2);
            } else {
                config.setTls13KeyExchangeModes(EnumSet.of(Tls13KeyExchangeMode.PSK_EPHEMERAL));
            }
            System.out.println("INFO ciphersuite " + pskHandshake(config, port));
            long measureFrom = System.nanoTime() + (long) (warmupS * 1e9);
            while (System.nanoTime() < measureFrom) {
                pskHandshake(config, port);
            }
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime(), from = System.nanoTime();
            for (long i = 0; i < count; i++) {
                pskHandshake(config, port);
            }
            long t = System.nanoTime(), cpu = os.getProcessCpuTime() - cpu0;
            System.out.printf("RESULT handshakes_per_s %.3f 1/s%n", count / ((t - from) / 1e9));
            System.out.printf("RESULT cpu_us_per_connection %.3f us%n", cpu / 1e3 / count);
        }
    }

    /** As mbedtls_bench's handshake mode: setup, hostname (SNI), connect, handshake, close_notify, close. */
    private static String pskHandshake(SslConfig config, int port) {
        try (NetContext net = new NetContext(); SslContext ssl = new SslContext()) {
            ssl.setup(config);
            ssl.setHostname(BenchEnv.name());
            net.connect("127.0.0.1", port);
            ssl.setBio(net);
            ssl.handshake();
            String suite = ssl.ciphersuite();
            ssl.closeNotify();
            return suite;
        }
    }

    // --- memory ------------------------------------------------------------------------------------

    /**
     * The server's resident memory (VmRSS) less the JVM's own committed native memory (NMT), per
     * connection: cached sessions first (TLS 1.2 full handshakes without tickets, each connection
     * closed; the server keeps each session in its cache), then idle connections (handshake and
     * first record, all kept open). In that order, and with a heap that is fixed and pre-touched,
     * the resident memory grows by what the connections hold: memory freed by closed connections
     * is reused, so a phase after the idle one would grow in place. Each figure is the phase's
     * second half, as mbedtls_bench server-memory counts: the first half also holds what the JVM
     * grows once (its own first allocations and first touches of memory it committed before, about
     * 3 MB, which NMT's committed count does not show), which over the whole phase read as ~3 KB
     * per cached session.
     */
    private static void memory(String who, Path pki, String mbedtlsBench, int n) throws Exception {
        Path ca = pki.resolve("root.pem");
        try (Thin thin = who.equals("thin") ? new Thin(pki, 2 * n + 100) : null;
                TlsServer server = who.equals("tlsserver")
                        ? TlsServer.builder().identity(pki.resolve("chain.pem"), pki.resolve("server.key"), null)
                                .sessionCache(2 * n + 100, java.time.Duration.ofDays(1)).build()
                        : null) {
            if (thin == null && server == null) {
                throw new IllegalArgumentException("unknown server " + who);
            }
            int port = thin != null ? thin.port : server.bind("127.0.0.1", 0).port();
            Acceptor acceptor = thin != null ? new ThinAcceptor(thin) : new TlsServerAcceptor(server);
            // No warm-up phase: its freed connections would leave free memory the measured ones
            // reuse (the JVM's own growth, JIT included, is in NMT's count and subtracted)
            long[] cached = phase(acceptor, mbedtlsBench, port, ca, n, false, "1.2");
            long[] idle = phase(acceptor, mbedtlsBench, port, ca, n, true, "1.3");
            System.out.printf("INFO %s connections %d, rss/nmt deltas cached %d/%d idle %d/%d; second half cached %d/%d idle %d/%d%n",
                    who, n, cached[0], cached[1], idle[0], idle[1], cached[2], cached[3], idle[2], idle[3]);
            double half = n - n / 2;
            System.out.printf("RESULT server_cached_session_rss_bytes %.1f B%n", (cached[2] - cached[3]) / half);
            System.out.printf("RESULT server_idle_conn_rss_bytes %.1f B%n", (idle[2] - idle[3]) / half);
        }
    }

    private interface Acceptor {
        AutoCloseable accept() throws IOException;
    }

    /** A client accepted, its handshake made and its first record read. */
    private static final class ThinAcceptor implements Acceptor {
        private final Thin thin;

        ThinAcceptor(Thin thin) {
            this.thin = thin;
        }

        @Override
        public AutoCloseable accept() {
            NetContext client = thin.listener.accept();
            SslContext ssl = new SslContext();
            ssl.setup(thin.config);
            ssl.setBio(client);
            ssl.handshake();
            if (ssl.read(new byte[1]) != 1) {
                throw new IllegalStateException("no first record");
            }
            return () -> {
                ssl.close();
                client.close();
            };
        }
    }

    private static final class TlsServerAcceptor implements Acceptor {
        private final TlsServer server;

        TlsServerAcceptor(TlsServer server) {
            this.server = server;
        }

        @Override
        public AutoCloseable accept() throws IOException {
            TlsConnection c = server.accept();
            if (c.getInputStream().read(new byte[1]) != 1) {
                throw new IllegalStateException("no first record");
            }
            return c;
        }
    }

    /** One phase: {resident bytes grown, NMT committed bytes grown} over n connections. */
    private static long[] phase(Acceptor acceptor, String mbedtlsBench, int port, Path ca, int n, boolean hold, String tls)
            throws Exception {
        List<String> cmd = new ArrayList<>(List.of(mbedtlsBench, "hold", "--port", Integer.toString(port), "--ca",
                ca.toString(), "--count", Integer.toString(n), "--tls", tls));
        if (!hold) {
            cmd.add("--tickets");
            cmd.add("0");
        }
        Process client = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<AutoCloseable> held = new ArrayList<>();
        acceptor.accept().close(); // client_set's connection of warm-up
        System.gc();
        long rss0 = rssBytes(), nmt0 = nmtCommittedBytes(), rssHalf = 0, nmtHalf = 0;
        for (int i = 0; i < n; i++) {
            if (i == n / 2) {
                System.gc();
                rssHalf = rssBytes();
                nmtHalf = nmtCommittedBytes();
            }
            AutoCloseable c = acceptor.accept();
            if (hold) {
                held.add(c);
            } else {
                c.close();
            }
        }
        BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
        String line = out.readLine();
        if (line == null || !line.startsWith("HELD")) {
            throw new IllegalStateException("mbedtls_bench hold: " + line);
        }
        System.gc();
        long rss = rssBytes(), nmt = nmtCommittedBytes();
        long[] grown = {rss - rss0, nmt - nmt0, rss - rssHalf, nmt - nmtHalf};
        for (AutoCloseable c : held) {
            c.close();
        }
        client.getOutputStream().close();
        if (client.waitFor() != 0) {
            throw new IllegalStateException("mbedtls_bench hold exited with " + client.exitValue());
        }
        return grown;
    }

    private static long rssBytes() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    private static final Pattern NMT_TOTAL = Pattern.compile("Total: reserved=(\\d+)KB, committed=(\\d+)KB");

    /** The JVM's committed native memory (jcmd VM.native_memory summary), in bytes. */
    private static long nmtCommittedBytes() throws Exception {
        String summary = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()});
        Matcher m = NMT_TOTAL.matcher(summary);
        if (!m.find()) {
            throw new IllegalStateException("no NMT summary (run with -XX:NativeMemoryTracking=summary): " + summary);
        }
        return Long.parseLong(m.group(2)) * 1024;
    }
}
