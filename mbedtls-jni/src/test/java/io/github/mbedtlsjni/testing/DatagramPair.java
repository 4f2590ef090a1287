package io.github.mbedtlsjni.testing;

import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.DatagramBio;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Two DTLS contexts talking in memory, without sockets: the configs (PSK, one suite, a CID where
 * the linked Mbed TLS has RFC 9146's, no cookies: there is no address to check), the handshake
 * with each side's framed datagrams handed to the other, and the walk over a framed buffer.
 * For the tests, the fuzz harness and the benchmarks that need an established connection in memory.
 */
public final class DatagramPair {
    private DatagramPair() {}

    /** A DTLS config of {@code endpoint} with the pre-shared key, {@code suite} and a 4-byte CID where available. */
    public static SslConfig config(SslConfig.Endpoint endpoint, CtrDrbg drbg, byte[] psk, String identity, String suite,
            boolean cid) {
        SslConfig c = new SslConfig();
        c.defaults(endpoint, SslConfig.Transport.DATAGRAM);
        c.setRng(drbg);
        c.setPsk(psk, identity.getBytes(StandardCharsets.US_ASCII));
        if (suite != null) {
            c.setCiphersuites(suite);
        }
        c.setAuthMode(AuthMode.NONE); // the key authenticates both ends
        if (cid && MbedTlsVersions.hasCid()) {
            c.setCid(4, true);
        }
        if (endpoint == SslConfig.Endpoint.SERVER) {
            c.disableDtlsCookies();
        }
        return c;
    }

    /**
     * Both handshakes, each side's datagrams handed to the other until both are established.
     *
     * @throws IllegalStateException if they are not after 20 flights
     */
    public static void handshake(DatagramBio client, DatagramBio server, ByteBuffer toServer, ByteBuffer toClient) {
        client.handshake(null, toServer);
        for (int i = 0; i < 20 && !(client.isEstablished() && server.isEstablished()); i++) {
            deliver(toServer, datagram -> server.handshake(datagram, toClient));
            deliver(toClient, datagram -> client.handshake(datagram, toServer));
        }
        if (!client.isEstablished() || !server.isEstablished()) {
            throw new IllegalStateException("no DTLS handshake in memory");
        }
    }

    /**
     * A client and a server established in memory with a pre-shared key, and with CIDs (client
     * 1,2,3,4, server 5,6,7,8) where asked for and this Mbed TLS has RFC 9146's; closes all it made.
     */
    public static final class Established implements AutoCloseable {
        public final DatagramBio client;
        public final DatagramBio server;
        private final Entropy entropy = new Entropy();
        private final CtrDrbg drbg = new CtrDrbg();
        private final SslConfig clientConfig;
        private final SslConfig serverConfig;
        private final SslContext clientSsl = new SslContext();
        private final SslContext serverSsl = new SslContext();

        public Established(byte[] psk, String identity, boolean cid) {
            drbg.seed(entropy, "datagram pair");
            clientConfig = config(SslConfig.Endpoint.CLIENT, drbg, psk, identity, null, cid);
            serverConfig = config(SslConfig.Endpoint.SERVER, drbg, psk, identity, null, cid);
            clientSsl.setup(clientConfig);
            clientSsl.skipHostnameVerification();
            serverSsl.setup(serverConfig);
            client = clientSsl.setDatagramBio();
            server = serverSsl.setDatagramBio();
            if (cid && MbedTlsVersions.hasCid()) {
                client.setCid(new byte[] {1, 2, 3, 4});
                server.setCid(new byte[] {5, 6, 7, 8});
            }
            handshake(client, server, ByteBuffer.allocate(DatagramBio.minOutputBuffer()),
                    ByteBuffer.allocate(DatagramBio.minOutputBuffer()));
        }

        @Override
        public void close() {
            clientSsl.close();
            serverSsl.close();
            clientConfig.close();
            serverConfig.close();
            drbg.close();
            entropy.close();
        }
    }

    /** Hands each datagram framed in {@code framed} to {@code to} (a window of the buffer), then empties it. */
    public static void deliver(ByteBuffer framed, Consumer<ByteBuffer> to) {
        int end = framed.position();
        framed.flip();
        int len;
        while ((len = DatagramBio.nextFrame(framed)) >= 0) {
            int start = framed.position() + 2;
            ByteBuffer datagram = framed.duplicate();
            datagram.limit(start + len).position(start);
            to.accept(datagram);
            framed.limit(end).position(start + len);
        }
        framed.clear();
    }
}
