package io.github.mbedtlsjni.jsse;

import io.github.mbedtlsjni.internal.ThinAccess;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.internal.VerifyCallback;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The verify callback of a connection whose application brought its own X509TrustManager
 * (ContextState's rule): Mbed TLS verifies the chain first; on a chain it accepted, the
 * application's trust manager is asked too ({@code checkServerTrusted} on a client,
 * {@code checkClientTrusted} on a server), and may refuse it. It needs JDK certificates, so a
 * chain the JDK cannot parse is refused (fail closed), saying why. What it refused with is kept
 * for the handshake's exception ({@link SslExceptions#refused}).
 *
 * <p>It runs on the thread that runs the handshake, inside Mbed TLS's handshake call: that
 * thread must not wrap or unwrap from inside the trust manager ({@link #isVerifying}).
 */
final class PeerTrust {
    private final X509TrustManager tm;
    private final SSLEngine engine;
    private final Socket socket;
    private final SslContext ssl;
    private final Runnable beforeAsking;
    private final boolean clientChain; // a server asks checkClientTrusted, a client checkServerTrusted
    private volatile Thread verifying;
    private volatile String refusal;
    private volatile Exception refusalCause;

    /**
     * @param beforeAsking run before the trust manager is asked, so that the handshake session it
     *     may look at has the protocol and cipher suite Mbed TLS has chosen
     * @param clientChain true on a server: the chain is a client's ({@code checkClientTrusted})
     */
    PeerTrust(X509TrustManager tm, SSLEngine engine, Socket socket, SslContext ssl, Runnable beforeAsking,
            boolean clientChain) {
        this.tm = tm;
        this.engine = engine;
        this.socket = socket;
        this.ssl = ssl;
        this.beforeAsking = beforeAsking;
        this.clientChain = clientChain;
    }

    /** The {@link VerifyCallback}: Mbed TLS's flags, with {@code BADCERT_OTHER} added if the application refuses. */
    int verify(byte[][] ders, int flags) {
        X509Certificate[] chain;
        try {
            chain = ThinAccess.get().jdkCertificates(Arrays.asList(ders)).toArray(new X509Certificate[0]);
        } catch (CertificateException e) {
            refuse("the application's X509TrustManager is given JDK certificates, and " + e.getMessage(), e);
            return flags | VerifyCallback.BADCERT_OTHER;
        }
        beforeAsking.run();
        verifying = Thread.currentThread();
        try {
            if (clientChain) {
                checkClient(chain);
                return flags;
            }
            String authType = authType(chain[0]);
            if (tm instanceof X509ExtendedTrustManager && socket != null) {
                ((X509ExtendedTrustManager) tm).checkServerTrusted(chain, authType, socket);
            } else if (tm instanceof X509ExtendedTrustManager) {
                ((X509ExtendedTrustManager) tm).checkServerTrusted(chain, authType, engine);
            } else {
                tm.checkServerTrusted(chain, authType);
            }
            return flags;
        } catch (CertificateException | RuntimeException e) {
            refuse("the application's X509TrustManager refused it: " + e, e);
            return flags | VerifyCallback.BADCERT_OTHER;
        } finally {
            verifying = null;
        }
    }

    /** A client's chain, with SunJSSE's authType for it: the leaf's key algorithm. */
    private void checkClient(X509Certificate[] chain) throws CertificateException {
        String authType = keyType(chain[0]);
        if (tm instanceof X509ExtendedTrustManager && socket != null) {
            ((X509ExtendedTrustManager) tm).checkClientTrusted(chain, authType, socket);
        } else if (tm instanceof X509ExtendedTrustManager) {
            ((X509ExtendedTrustManager) tm).checkClientTrusted(chain, authType, engine);
        } else {
            tm.checkClientTrusted(chain, authType);
        }
    }

    private void refuse(String why, Exception cause) {
        refusal = why;
        refusalCause = cause;
    }

    /** Why the application refused the chain, or null. */
    String refusal() {
        return refusal;
    }

    /** The trust manager's exception when it refused, or null. */
    Exception refusalCause() {
        return refusalCause;
    }

    /** True on the thread that is inside the trust manager now. */
    boolean isVerifying() {
        return verifying == Thread.currentThread();
    }

    /**
     * SunJSSE's authType for checkServerTrusted: the key exchange of a TLS 1.2 suite
     * ({@code ECDHE_ECDSA}); for TLS 1.3, whose suites name none, the leaf's key algorithm
     * ({@code EC}, {@code RSA}, {@code RSASSA-PSS}), else {@code UNKNOWN}.
     */
    private String authType(X509Certificate leaf) {
        String suite = CipherSuites.toIana(ssl.ciphersuite());
        int with = suite.indexOf("_WITH_");
        if (suite.startsWith("TLS_") && with > 4) {
            return suite.substring(4, with);
        }
        return keyType(leaf);
    }

    private static String keyType(X509Certificate leaf) {
        String key = leaf.getPublicKey().getAlgorithm();
        return List.of("RSA", "DSA", "EC", "RSASSA-PSS").contains(key) ? key : "UNKNOWN";
    }
}
