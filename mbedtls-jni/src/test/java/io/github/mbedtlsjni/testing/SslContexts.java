package io.github.mbedtlsjni.testing;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** In-memory JSSE key stores and {@link SSLContext}s built from generated certificates. */
public final class SslContexts {
    private static final char[] PASSWORD = "changeit".toCharArray();

    private SslContexts() {
    }

    /** A server context presenting {@code pki}'s leaf + intermediate with the server key. */
    public static SSLContext server(TestPki pki) {
        return server(pki.leaf().privateKey(),
                List.of(pki.leaf().certificate(), pki.intermediate().certificate()), (X509Certificate[]) null);
    }

    /**
     * A context presenting {@code chain} (leaf first) with {@code key}; when {@code trustAnchors}
     * is non-null it also trusts them (for verifying client certificates).
     */
    public static SSLContext server(PrivateKey key, List<X509Certificate> chain, X509Certificate... trustAnchors) {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keyStore(key, chain), PASSWORD);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(),
                    trustAnchors == null ? null : trustManagers(trustAnchors).getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client context trusting exactly {@code trustAnchors} (PKIX, no revocation checking). */
    public static SSLContext client(X509Certificate... trustAnchors) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trustManagers(trustAnchors).getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client context presenting {@code chain} (leaf first) with {@code key} and trusting {@code trustAnchors}. */
    public static SSLContext client(PrivateKey key, List<X509Certificate> chain, X509Certificate... trustAnchors) {
        return server(key, chain, trustAnchors);
    }

    /** A PKIX key manager factory holding {@code pki}'s leaf + intermediate with the server key. */
    public static KeyManagerFactory keyManagers(TestPki pki) {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(keyStore(pki.leaf().privateKey(), List.of(pki.leaf().certificate(),
                    pki.intermediate().certificate())), PASSWORD);
            return kmf;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A PKCS#12 key store holding {@code key} and {@code chain} under alias {@code key}, password {@code changeit}. */
    public static KeyStore keyStore(PrivateKey key, List<X509Certificate> chain) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("key", key, PASSWORD, chain.toArray(new Certificate[0]));
            return store;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A PKCS#12 trust store holding {@code trustAnchors}. */
    public static KeyStore trustStore(X509Certificate... trustAnchors) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < trustAnchors.length; i++) {
                store.setCertificateEntry("anchor-" + i, trustAnchors[i]);
            }
            return store;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static TrustManagerFactory trustManagers(X509Certificate... trustAnchors)
            throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trustStore(trustAnchors));
        return tmf;
    }
}
