package io.github.mbedtlsjni.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The workloads of {@link JsseBench} through an SSLEngine over a blocking SocketChannel, with
 * direct buffers throughout (no copy between the engine and the channel): the JDK's engine, or the
 * MbedTLS provider's with {@code -Dbench.provider=MbedTLS}. {@code -prof gc}'s alloc.rate.norm of
 * bulkWrite (one wrap per op) and bulkRead (one unwrap per record) is the heap cost per wrap/unwrap.
 */
public class EngineBench {

    /** One TLS connection through an engine, handshake done. */
    static final class Conn {
        final SocketChannel channel;
        final SSLEngine engine;
        final ByteBuffer netOut;
        final ByteBuffer netIn;
        final ByteBuffer app;

        Conn(SSLContext context, String tls, int port) throws IOException {
            channel = SocketChannel.open();
            channel.socket().setTcpNoDelay(true);
            channel.connect(new InetSocketAddress(BenchEnv.host(), port));
            engine = context.createSSLEngine(BenchEnv.name(), port);
            engine.setUseClientMode(true);
            SSLParameters p = engine.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            p.setProtocols(new String[] {tls.equals("1.2") ? "TLSv1.2" : "TLSv1.3"});
            engine.setSSLParameters(p);
            netOut = ByteBuffer.allocateDirect(engine.getSession().getPacketBufferSize());
            netIn = ByteBuffer.allocateDirect(engine.getSession().getPacketBufferSize() * 2);
            app = ByteBuffer.allocateDirect(engine.getSession().getApplicationBufferSize() * 2);
            handshake();
        }

        private void handshake() throws IOException {
            engine.beginHandshake();
            ByteBuffer empty = ByteBuffer.allocateDirect(0);
            for (;;) {
                HandshakeStatus hs = engine.getHandshakeStatus();
                if (hs == HandshakeStatus.NEED_WRAP) {
                    netOut.clear();
                    engine.wrap(empty, netOut);
                    send();
                } else if (hs == HandshakeStatus.NEED_UNWRAP) {
                    unwrapSome();
                } else if (hs == HandshakeStatus.NEED_TASK) {
                    engine.getDelegatedTask().run();
                } else {
                    return;
                }
            }
        }

        void send() throws IOException {
            netOut.flip();
            while (netOut.hasRemaining()) {
                channel.write(netOut);
            }
        }

        /** One unwrap, reading from the channel first if no whole record is there; returns the plaintext bytes. */
        int unwrapSome() throws IOException {
            for (;;) {
                netIn.flip();
                SSLEngineResult r = engine.unwrap(netIn, app);
                netIn.compact();
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                    if (channel.read(netIn) < 0) {
                        throw new SSLException("server closed");
                    }
                    continue;
                }
                if (r.getStatus() != SSLEngineResult.Status.OK) {
                    throw new SSLException("unwrap: " + r);
                }
                return r.bytesProduced();
            }
        }

        void writeAll(ByteBuffer src) throws IOException {
            while (src.hasRemaining()) {
                netOut.clear();
                SSLEngineResult r = engine.wrap(src, netOut);
                if (r.getStatus() != SSLEngineResult.Status.OK) {
                    throw new SSLException("wrap: " + r);
                }
                send();
            }
        }

        void close() throws IOException {
            engine.closeOutbound();
            netOut.clear();
            engine.wrap(ByteBuffer.allocateDirect(0), netOut);
            send();
            channel.close();
        }
    }

    @State(Scope.Thread)
    public static class Client {
        @Param({"1.3"})
        public String tls;

        SSLContext context;

        @Setup(Level.Trial)
        public void setUp() throws GeneralSecurityException, IOException {
            context = JsseBench.Client.context();
            context.init(null, JsseBench.Client.trustManagers(), null);
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

        Conn conn;
        final ByteBuffer data = ByteBuffer.allocateDirect(BenchEnv.CHUNK);

        abstract byte command();

        @Setup(Level.Trial)
        public void setUp(Client client) throws IOException {
            conn = new Conn(client.context, client.tls, BenchEnv.port(cipher));
            ByteBuffer c = ByteBuffer.allocateDirect(1).put(command());
            c.flip();
            conn.writeAll(c);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            conn.close();
        }
    }

    @State(Scope.Thread)
    public static class Sink extends Open {
        @Override
        byte command() {
            return 'S';
        }
    }

    @State(Scope.Thread)
    public static class Source extends Open {
        @Override
        byte command() {
            return 'G';
        }
    }

    @Benchmark
    public void handshake(Client client) throws IOException {
        Conn c = new Conn(client.context, client.tls, BenchEnv.port("all"));
        c.engine.getSession().invalidate(); // no resumption on the next connection
        c.close();
    }

    /** One wrap of 16 KiB (one record) from a direct buffer into a direct buffer, and its send. */
    @Benchmark
    public int bulkWriteDirect(Sink s, Bytes b) throws IOException {
        s.data.clear();
        s.conn.writeAll(s.data);
        b.bytes += BenchEnv.CHUNK;
        return BenchEnv.CHUNK;
    }

    /** One unwrap of one record (reading the channel when no whole record is there) into a direct buffer. */
    @Benchmark
    public int bulkReadDirect(Source s, Bytes b) throws IOException {
        s.conn.app.clear();
        int n = s.conn.unwrapSome();
        b.bytes += n;
        return n;
    }
}
