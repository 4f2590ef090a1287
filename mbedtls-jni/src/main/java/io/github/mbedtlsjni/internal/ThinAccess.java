package io.github.mbedtlsjni.internal;

import io.github.mbedtlsjni.mbedtls.MemoryBio;
import io.github.mbedtlsjni.mbedtls.NetContext;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.nio.ByteBuffer;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What the layers above the thin classes (the application API, the JSSE provider) use of them
 * that is not the thin classes' public API: calls Mbed TLS's own API has no counterpart for, made
 * for one caller. The thin package installs the one implementation when its first class is
 * initialised (the JDK's "shared secrets" pattern), so these stay out of the public API while the
 * other packages of this library still reach them. Not for applications: this package is not
 * exported from the module, and its contents may change in any release.
 */
public abstract class ThinAccess {
    private static volatile ThinAccess instance;

    protected ThinAccess() {}

    /** The implementation; the thin package installs it as it initialises. */
    public static ThinAccess get() {
        ThinAccess a = instance;
        if (a == null) {
            try {
                // Any thin object that exists has initialised NativeResource already; a static use
                // before any object needs it initialised here.
                Class.forName("io.github.mbedtlsjni.mbedtls.NativeResource", true, ThinAccess.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new AssertionError(e);
            }
            a = instance;
        }
        return a;
    }

    /** Called once, by the thin package's static initialiser. */
    public static void install(ThinAccess access) {
        if (instance != null) {
            throw new IllegalStateException("already installed");
        }
        instance = access;
    }

    /** One byte, 0..255, or -1 at the end, as {@code InputStream.read()}: no buffer shared between threads. */
    public abstract int readByte(SslContext ssl);

    /** One byte, as {@code OutputStream.write(int)}. */
    public abstract void writeByte(SslContext ssl, int b);

    /** close_notify if the socket takes it now; false if it would have to wait. */
    public abstract boolean closeNotifyIfWritable(SslContext ssl);

    /** The peer's chain as Mbed TLS received it, DER, leaf first (empty if none). */
    public abstract List<byte[]> peerCertificateDers(SslContext ssl);

    /** A deadline for every wait on the socket, {@code millis} from now (0: none); the handshake timeout. */
    public abstract void setDeadline(NetContext net, int millis);

    /**
     * The JDK's parse of each DER certificate; a certificate the JDK refuses is named by index
     * and by its subject as Mbed TLS reads it.
     */
    public abstract List<X509Certificate> jdkCertificates(List<byte[]> ders) throws CertificateException;

    /** A new chain of the DER certificates, parsed by Mbed TLS in order; null if there are none. */
    public abstract X509Crt chain(List<byte[]> ders);

    /**
     * Lets {@code callback} refuse a chain Mbed TLS accepted ({@code mbedtls_ssl_set_verify}); null
     * removes it. A configuration step: before the handshake.
     */
    public abstract void setVerifyCallback(SslContext ssl, VerifyCallback callback);

    /** Verifies the chain but no name in it, while the hostname still goes into SNI (JSSE without endpoint identification). */
    public abstract void verifyChainOnly(SslContext ssl);

    /** The session id Mbed TLS keeps (empty before a handshake), for {@code SSLSession.getId()}. */
    public abstract byte[] sessionId(SslContext ssl);

    /**
     * {@link MemoryBio#read(ByteBuffer, ByteBuffer)} into {@code dsts[offset]} and on into the
     * following buffers, as {@code SSLEngine.unwrap(src, dsts, offset, length)} needs; the same
     * results.
     */
    public abstract int read(MemoryBio bio, ByteBuffer in, ByteBuffer[] dsts, int offset, int length);
}
