package io.github.mbedtlsjni;

import io.github.mbedtlsjni.mbedtls.DatagramBio;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.function.Predicate;

/**
 * The cookie check of {@link DtlsServer} (RFC 6347, 4.2.1) for datagrams from peers it has no
 * session for, on one spare {@code mbedtls_ssl_context}. {@link DatagramBio#checkClientHello}
 * resets that context ({@code mbedtls_ssl_session_reset}), binds it to the sender's address
 * ({@code mbedtls_ssl_set_client_transport_id}) and runs the ClientHello's handshake steps: a
 * ClientHello without a valid cookie gets a HelloVerifyRequest and leaves no state behind; one
 * with a valid cookie (its sender receives at its address) makes the spare context that peer's
 * session ({@link #admit}), and the next datagram gets a new spare.
 *
 * <p>Owned by the server's loop thread; not thread-safe. The spare context is freed by
 * {@link #close()} (after a failure, and when the server closes).
 */
final class DtlsHelloGate implements AutoCloseable {
    private final SslConfig config;
    private final int mtu;
    private final int cidLength;
    private final Predicate<byte[]> cidTaken;
    private final SecureRandom random = new SecureRandom();
    private final ByteBuffer answer = ByteBuffer.allocateDirect(DatagramBio.minOutputBuffer());
    private SslContext spare;
    private DatagramBio spareBio;
    private byte[] spareCid;

    /**
     * @param cidLength the length of the CID each new session gets (0: none)
     * @param cidTaken whether a random CID is already a session's, in memory or in the store
     */
    DtlsHelloGate(SslConfig config, int mtu, int cidLength, Predicate<byte[]> cidTaken) {
        this.config = config;
        this.mtu = mtu;
        this.cidLength = Math.max(0, cidLength);
        this.cidTaken = cidTaken;
    }

    /**
     * Checks one datagram from {@code source}.
     *
     * @return {@link DatagramBio#HELLO_VERIFY} (send {@link #answer()} to the source),
     *     {@link DatagramBio#ACCEPTED} (then {@link #admit} or {@link #refuse}), or another code
     *     for a datagram to drop
     */
    int check(ByteBuffer datagram, InetSocketAddress source) {
        if (spare == null) {
            newSpare();
        }
        answer.clear();
        return spareBio.checkClientHello(transportId(source), datagram, answer);
    }

    /** The framed HelloVerifyRequest of the last check (written up to its position). */
    ByteBuffer answer() {
        return answer;
    }

    /** The accepted ClientHello's context becomes the session of {@code source}, which now owns it. */
    DtlsSession admit(DtlsServer server, InetSocketAddress source) {
        DtlsSession session = new DtlsSession(server, spare, spareBio, spareCid, source);
        spare = null;
        spareBio = null;
        spareCid = null;
        return session;
    }

    /** Forgets an accepted ClientHello (the server is full): the spare context is reset for the next. */
    void refuse() {
        spareBio.sessionReset();
    }

    /** Frees the spare context; the next check sets up a new one. */
    @Override
    public void close() {
        if (spare != null) {
            spare.close();
            spare = null;
            spareBio = null;
            spareCid = null;
        }
    }

    /** A context for the cookie check, with its CID chosen (unique among sessions and the store). */
    private void newSpare() {
        SslContext ssl = new SslContext();
        try {
            ssl.setup(config);
            DatagramBio bio = ssl.setDatagramBio();
            bio.setMtu(mtu);
            byte[] cid = new byte[cidLength];
            if (cidLength > 0) {
                do {
                    random.nextBytes(cid);
                } while (cidTaken.test(cid));
                bio.setCid(cid);
            }
            spare = ssl;
            spareBio = bio;
            spareCid = cid;
            ssl = null;
        } finally {
            if (ssl != null) {
                ssl.close();
            }
        }
    }

    /** The client's address as the cookie binds it: the IP address's bytes, then the port. */
    private static byte[] transportId(InetSocketAddress source) {
        byte[] ip = source.getAddress().getAddress();
        byte[] id = Arrays.copyOf(ip, ip.length + 2);
        id[ip.length] = (byte) (source.getPort() >> 8);
        id[ip.length + 1] = (byte) source.getPort();
        return id;
    }
}
