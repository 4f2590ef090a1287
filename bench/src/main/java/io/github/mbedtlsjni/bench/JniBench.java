package io.github.mbedtlsjni.bench;

import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.NetContext;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.SslSession;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The benchmark workloads through the binding, step for step what native/bench/mbedtls_bench.c
 * does in C: one shared config ({@code defaults()}: VERIFY_REQUIRED, TLS 1.2 minimum; CTR_DRBG;
 * the CA chain), and per connection {@code NetContext} + {@code SslContext}: setup, setHostname,
 * connect, setBio, handshake, ..., closeNotify, close. Server: native/bench/bench_server.c.
 */
public class JniBench {

    /** The shared config: what an application sets up once. */
    @State(Scope.Thread)
    public static class Client {
        /** TLS version: "1.3" (max 1.3, negotiated 1.3) or "1.2" (max 1.2). */
        @Param({"1.3"})
        public String tls;

        Entropy entropy;
        CtrDrbg drbg;
        X509Crt ca;
        SslConfig config;
        String host;
        String name;

        @Setup(Level.Trial)
        public void setUp() {
            entropy = new Entropy();
            drbg = new CtrDrbg();
            drbg.seed(entropy, "bench");
            ca = new X509Crt();
            ca.parseFile(BenchEnv.ca());
            config = new SslConfig();
            config.defaults();
            if (tls.equals("1.2")) {
                config.setMaxTlsVersion(TlsVersion.TLS1_2);
            }
            config.setTls13SessionTickets(true); // used by resume only: read() handles tickets either way
            config.setRng(drbg);
            config.setCaChain(ca, null);
            host = BenchEnv.host();
            name = BenchEnv.name();
        }

        /** A new connection, handshake not done yet. */
        Conn open(int port, SslSession session) {
            Conn c = new Conn();
            c.net = new NetContext();
            c.ssl = new SslContext();
            c.ssl.setup(config);
            c.ssl.setHostname(name);
            if (session != null) {
                c.ssl.setSession(session);
            }
            c.net.connect(host, port);
            c.ssl.setBio(c.net);
            return c;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            config.close();
            ca.close();
            drbg.close();
            entropy.close();
        }
    }

    static final class Conn {
        NetContext net;
        SslContext ssl;

        void close() {
            ssl.closeNotify();
            ssl.close();
            net.close();
        }
    }

    /** Bytes moved, reported by JMH as a secondary rate (bytes/s). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public long bytes;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
        }
    }

    /** One connection after the handshake and a one-byte command to the server ('S', 'G' or 'E'). */
    @State(Scope.Thread)
    public abstract static class Open {
        @Param({"aesgcm"})
        public String cipher;

        Conn conn;
        final byte[] buf = new byte[BenchEnv.CHUNK];
        final ByteBuffer direct = ByteBuffer.allocateDirect(BenchEnv.CHUNK);

        abstract byte command();

        abstract int size();

        @Setup(Level.Trial)
        public void setUp(Client client) {
            Arrays.fill(buf, (byte) 'b');
            conn = client.open(BenchEnv.port(cipher), null);
            conn.ssl.handshake();
            conn.ssl.writeFully(new byte[] {command()});
            direct.clear().limit(size());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            conn.ssl.close();
            conn.net.close();
        }
    }

    @State(Scope.Thread)
    public static class Sink extends Open {
        @Override
        byte command() {
            return 'S';
        }

        @Override
        int size() {
            return BenchEnv.CHUNK;
        }
    }

    @State(Scope.Thread)
    public static class Source extends Open {
        @Override
        byte command() {
            return 'G';
        }

        @Override
        int size() {
            return BenchEnv.CHUNK;
        }
    }

    @State(Scope.Thread)
    public static class Echo extends Open {
        @Override
        byte command() {
            return 'E';
        }

        @Override
        int size() {
            return BenchEnv.SMALL;
        }
    }

    /** The session to resume, renewed from each connection (see mbedtls_bench.c run_resume). */
    @State(Scope.Thread)
    public static class Resumption {
        SslSession session;
        final byte[] request = new byte[1 + BenchEnv.SMALL];
        final byte[] response = new byte[BenchEnv.SMALL];

        @Setup(Level.Trial)
        public void setUp(Client client) {
            Arrays.fill(request, (byte) 'r');
            request[0] = 'E';
            session = new SslSession();
            Conn c = client.open(BenchEnv.port("all"), null);
            c.ssl.handshake();
            exchange(c);
            if (!c.ssl.getSession(session)) {
                throw new IllegalStateException("no session to resume");
            }
            c.close();
        }

        void exchange(Conn c) {
            c.ssl.writeFully(request);
            for (int got = 0; got < BenchEnv.SMALL; ) {
                int n = c.ssl.read(response, got, BenchEnv.SMALL - got);
                if (n < 0) {
                    throw new IllegalStateException("server closed");
                }
                got += n;
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            session.close();
        }
    }

    /** (a) A full handshake on a new TCP connection, verified with the hostname, no resumption. */
    @Benchmark
    public void handshake(Client client) {
        Conn c = client.open(BenchEnv.port("all"), null);
        c.ssl.handshake();
        c.close();
    }

    /** (b) A resumed handshake on a new connection, one 64-byte echo (which brings the next ticket). */
    @Benchmark
    public void resume(Client client, Resumption r) {
        Conn c = client.open(BenchEnv.port("all"), r.session);
        c.ssl.handshake();
        r.exchange(c);
        SslSession next = new SslSession();
        if (c.ssl.getSession(next)) {
            r.session.close();
            r.session = next;
        } else {
            next.close();
        }
        c.close();
    }

    /** (c) One 16 KiB write from a byte[]. */
    @Benchmark
    public int bulkWrite(Sink s, Bytes b) {
        int n = s.conn.ssl.write(s.buf, 0, BenchEnv.CHUNK);
        b.bytes += n;
        return n;
    }

    /** (c) One 16 KiB write from a direct ByteBuffer. */
    @Benchmark
    public int bulkWriteDirect(Sink s, Bytes b) {
        s.direct.clear();
        int n = s.conn.ssl.write(s.direct);
        b.bytes += n;
        return n;
    }

    /** (c) One read into a 16 KiB byte[] (the server writes 16 KiB records). */
    @Benchmark
    public int bulkRead(Source s, Bytes b) {
        int n = s.conn.ssl.read(s.buf, 0, BenchEnv.CHUNK);
        b.bytes += n;
        return n;
    }

    /** (c) One read into a 16 KiB direct ByteBuffer. */
    @Benchmark
    public int bulkReadDirect(Source s, Bytes b) {
        s.direct.clear();
        int n = s.conn.ssl.read(s.direct);
        b.bytes += n;
        return n;
    }

    /** (d) A 64-byte request and its 64-byte echo. */
    @Benchmark
    public int roundtrip(Echo e) {
        SslContext ssl = e.conn.ssl;
        ssl.write(e.buf, 0, BenchEnv.SMALL);
        int got = 0;
        while (got < BenchEnv.SMALL) {
            got += ssl.read(e.buf, got, BenchEnv.SMALL - got);
        }
        return got;
    }

    /** (d) The same through direct ByteBuffers. */
    @Benchmark
    public int roundtripDirect(Echo e) {
        SslContext ssl = e.conn.ssl;
        ByteBuffer d = e.direct;
        d.clear().limit(BenchEnv.SMALL);
        ssl.write(d);
        d.clear().limit(BenchEnv.SMALL);
        while (d.hasRemaining()) {
            ssl.read(d);
        }
        return d.position();
    }
}
