package io.github.mbedtlsjni.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The same workloads as {@link JniBench} with the JDK's own TLS client (SunJSSE SSLSocket; or the
 * MbedTLS provider's SSLSocket with {@code -Dbench.provider=MbedTLS}):
 * trust = the same root CA, hostname verification on (endpoint identification "HTTPS", SNI
 * localhost), TCP_NODELAY like the binding, and for full handshakes the session invalidated so
 * that the next connection cannot resume it.
 *
 * <p>SSLSocket has no ByteBuffer API: the "Direct" variants copy between the direct buffer and a
 * byte[], as an application using SSLSocket with direct buffers would.
 */
public class JsseBench {

    @State(Scope.Thread)
    public static class Client {
        @Param({"1.3"})
        public String tls;

        SSLSocketFactory factory;
        String[] protocols;
        String host;
        String name;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            SSLContext context = context();
            context.init(null, trustManagers(), null);
            factory = context.getSocketFactory();
            protocols = new String[] {tls.equals("1.2") ? "TLSv1.2" : "TLSv1.3"};
            host = BenchEnv.host();
            name = BenchEnv.name();
        }

        /**
         * The JDK's SSLContext, or with {@code -Dbench.provider=MbedTLS} the mbedtls-jni JSSE
         * provider's (so the same workloads measure the provider's SSLSocket).
         */
        static SSLContext context() throws GeneralSecurityException {
            return "MbedTLS".equals(System.getProperty("bench.provider"))
                    ? SSLContext.getInstance("TLS", new io.github.mbedtlsjni.jsse.MbedTlsProvider())
                    : SSLContext.getInstance("TLS");
        }

        static javax.net.ssl.TrustManager[] trustManagers() throws IOException, GeneralSecurityException {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            try (InputStream in = java.nio.file.Files.newInputStream(BenchEnv.ca())) {
                ks.setCertificateEntry("root", (X509Certificate) cf.generateCertificate(in));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return tmf.getTrustManagers();
        }

        SSLSocket open(int port) {
            try {
                Socket raw = new Socket();
                raw.setTcpNoDelay(true);
                raw.connect(new InetSocketAddress(host, port));
                SSLSocket s = (SSLSocket) factory.createSocket(raw, name, port, true);
                SSLParameters p = s.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                p.setProtocols(protocols);
                s.setSSLParameters(p);
                return s;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public long bytes;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
        }
    }

    @State(Scope.Thread)
    public abstract static class Open {
        @Param({"aesgcm"})
        public String cipher;

        SSLSocket socket;
        InputStream in;
        OutputStream out;
        final byte[] buf = new byte[BenchEnv.CHUNK];
        final ByteBuffer direct = ByteBuffer.allocateDirect(BenchEnv.CHUNK);

        abstract byte command();

        abstract int size();

        @Setup(Level.Trial)
        public void setUp(Client client) throws IOException {
            Arrays.fill(buf, (byte) 'b');
            socket = client.open(BenchEnv.port(cipher));
            socket.startHandshake();
            in = socket.getInputStream();
            out = socket.getOutputStream();
            out.write(command());
            out.flush();
            direct.clear().limit(size());
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            socket.close();
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

    @State(Scope.Thread)
    public static class Resumption {
        final byte[] request = new byte[1 + BenchEnv.SMALL];
        final byte[] response = new byte[BenchEnv.SMALL];

        @Setup(Level.Trial)
        public void setUp(Client client) throws IOException {
            Arrays.fill(request, (byte) 'r');
            request[0] = 'E';
            try (SSLSocket s = client.open(BenchEnv.port("all"))) {
                s.startHandshake();
                exchange(s);
            }
        }

        void exchange(SSLSocket s) throws IOException {
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = s.getInputStream();
            for (int got = 0; got < BenchEnv.SMALL; ) {
                int n = in.read(response, got, BenchEnv.SMALL - got);
                if (n < 0) {
                    throw new IOException("server closed");
                }
                got += n;
            }
        }
    }

    @Benchmark
    public void handshake(Client client) throws IOException {
        try (SSLSocket s = client.open(BenchEnv.port("all"))) {
            s.startHandshake();
            s.getSession().invalidate(); // no resumption on the next connection
        }
    }

    /** JSSE resumes by itself from its client session cache (keyed by host and port). */
    @Benchmark
    public void resume(Client client, Resumption r) throws IOException {
        try (SSLSocket s = client.open(BenchEnv.port("all"))) {
            s.startHandshake();
            r.exchange(s);
        }
    }

    @Benchmark
    public int bulkWrite(Sink s, Bytes b) throws IOException {
        s.out.write(s.buf, 0, BenchEnv.CHUNK);
        b.bytes += BenchEnv.CHUNK;
        return BenchEnv.CHUNK;
    }

    @Benchmark
    public int bulkWriteDirect(Sink s, Bytes b) throws IOException {
        s.direct.clear();
        s.direct.get(s.buf, 0, BenchEnv.CHUNK);
        s.out.write(s.buf, 0, BenchEnv.CHUNK);
        b.bytes += BenchEnv.CHUNK;
        return BenchEnv.CHUNK;
    }

    @Benchmark
    public int bulkRead(Source s, Bytes b) throws IOException {
        int n = s.in.read(s.buf, 0, BenchEnv.CHUNK);
        b.bytes += n;
        return n;
    }

    @Benchmark
    public int bulkReadDirect(Source s, Bytes b) throws IOException {
        int n = s.in.read(s.buf, 0, BenchEnv.CHUNK);
        s.direct.clear();
        s.direct.put(s.buf, 0, n);
        b.bytes += n;
        return n;
    }

    @Benchmark
    public int roundtrip(Echo e) throws IOException {
        e.out.write(e.buf, 0, BenchEnv.SMALL);
        int got = 0;
        while (got < BenchEnv.SMALL) {
            got += e.in.read(e.buf, got, BenchEnv.SMALL - got);
        }
        return got;
    }

    @Benchmark
    public int roundtripDirect(Echo e) throws IOException {
        e.direct.clear();
        e.direct.get(e.buf, 0, BenchEnv.SMALL);
        e.out.write(e.buf, 0, BenchEnv.SMALL);
        int got = 0;
        while (got < BenchEnv.SMALL) {
            got += e.in.read(e.buf, got, BenchEnv.SMALL - got);
        }
        e.direct.clear();
        e.direct.put(e.buf, 0, got);
        return got;
    }
}
