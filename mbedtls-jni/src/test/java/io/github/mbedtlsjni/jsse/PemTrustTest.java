package io.github.mbedtlsjni.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.CertificateVerificationException;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestCert;
import io.github.mbedtlsjni.testing.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.InvalidAlgorithmParameterException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trust from PEM files and directories in one line ({@link PemTrustParameters} given to the
 * provider's TrustManagerFactory): a file, a directory with other files in it, CRLs in a file,
 * DER files, and clear errors for files Mbed TLS cannot use. Each trusts (or refuses) a real
 * server's chain through the provider's socket.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PemTrustTest {
    @TempDir
    static Path dir;

    TestPki pki;

    @BeforeAll
    void setUp() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    private static TrustManagerFactory trust(Path... paths) throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX", new MbedTlsProvider());
        tmf.init(new PemTrustParameters(paths)); // the one line
        return tmf;
    }

    private static Set<X509Certificate> accepted(TrustManagerFactory tmf) {
        return Set.of(((X509TrustManager) tmf.getTrustManagers()[0]).getAcceptedIssuers());
    }

    /** A handshake with {@code leaf} (and the intermediate) presented, through the provider's socket. */
    private void handshake(TrustManagerFactory tmf, TestCert leaf) throws Exception {
        SSLContext client = SocketsAndTrustTest.context(tmf.getTrustManagers());
        try (JsseServer server = JsseServer.builder(SslContexts.server(leaf.privateKey(),
                List.of(leaf.certificate(), pki.intermediate().certificate()))).start();
                SSLSocket s = SslEngineTest.https((SSLSocket) client.getSocketFactory().createSocket(TestPki.SERVER_NAME,
                        server.port()))) {
            s.setSoTimeout(30_000);
            s.startHandshake();
        }
    }

    @Test
    void aPemFileIsTrustedInOneLine() throws Exception {
        TrustManagerFactory tmf = trust(pki.rootPem());
        assertEquals(Set.of(pki.root().certificate()), accepted(tmf));
        handshake(tmf, pki.leaf());
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
                () -> handshake(trust(pki.unknownRootPem()), pki.leaf()));
        assertTrue(e.getMessage().contains("MBEDTLS_X509_BADCERT_NOT_TRUSTED"), e.getMessage());
    }

    @Test
    void aDirectoryTrustsEveryCertificateFileInItAndSkipsTheRest() throws Exception {
        Path certs = Files.createDirectories(dir.resolve("certs"));
        Files.copy(pki.unknownRootPem(), certs.resolve("other-root.pem"));
        Files.copy(pki.rootPem(), certs.resolve("root.pem"));
        Files.write(certs.resolve("root.der"), pki.root().der()); // the same one as DER: not repeated
        Files.writeString(certs.resolve("README"), "not a certificate\n");
        Files.createDirectories(certs.resolve("sub")); // not descended into
        TrustManagerFactory tmf = trust(certs);
        assertEquals(Set.of(pki.root().certificate(), pki.unknownRoot().certificate()), accepted(tmf));
        handshake(tmf, pki.leaf());
    }

    @Test
    void aCrlInTheFilesRefusesTheRevokedLeaf() throws Exception {
        Path rootAndCrl = dir.resolve("root-and-crl.pem");
        Files.writeString(rootAndCrl, Files.readString(pki.rootPem()) + Files.readString(pki.crlPem()));
        for (TrustManagerFactory tmf : List.of(trust(rootAndCrl), trust(pki.rootPem(), pki.crlDer()))) {
            handshake(tmf, pki.leaf()); // not revoked
            SSLHandshakeException e = assertThrows(SSLHandshakeException.class, () -> handshake(tmf, pki.revokedLeaf()));
            assertTrue(e.getMessage().contains("MBEDTLS_X509_BADCERT_REVOKED"), e.getMessage());
            assertInstanceOf(CertificateVerificationException.class, e.getCause());
        }
    }

    @Test
    void aFileMbedTlsCannotUseIsRefusedNamingItWithMbedTlsError() throws Exception {
        String pem = Files.readString(pki.rootPem());
        Path corrupt = dir.resolve("corrupt.pem");
        int middle = pem.indexOf('\n', pem.length() / 2);
        Files.writeString(corrupt, pem.substring(0, middle) + "\n!!!!" + pem.substring(middle));
        InvalidAlgorithmParameterException e = assertThrows(InvalidAlgorithmParameterException.class, () -> trust(corrupt));
        assertTrue(e.getMessage().startsWith("cannot trust " + corrupt + ": "), e.getMessage());
        MbedTlsException cause = assertInstanceOf(MbedTlsException.class, e.getCause());
        assertTrue(e.getMessage().contains(cause.errorName()), e.getMessage() + " / " + cause.errorName());

        Path key = pki.serverKeyPem(); // a PEM file, but no certificate in it
        e = assertThrows(InvalidAlgorithmParameterException.class, () -> trust(key));
        assertTrue(e.getMessage().contains("no PEM certificate or X509 CRL"), e.getMessage());

        Path garbage = dir.resolve("garbage.der");
        Files.write(garbage, "definitely not DER".getBytes(StandardCharsets.US_ASCII));
        e = assertThrows(InvalidAlgorithmParameterException.class, () -> trust(garbage));
        assertTrue(e.getMessage().contains("neither a PEM file nor a DER certificate or CRL"), e.getMessage());
        assertInstanceOf(MbedTlsException.class, e.getCause());

        Path missing = dir.resolve("missing.pem");
        e = assertThrows(InvalidAlgorithmParameterException.class, () -> trust(missing));
        assertTrue(e.getMessage().contains("cannot read it") && e.getMessage().contains(missing.toString()),
                e.getMessage());

        Path empty = Files.createDirectories(dir.resolve("empty"));
        e = assertThrows(InvalidAlgorithmParameterException.class, () -> trust(empty));
        assertTrue(e.getMessage().contains("holds no certificate"), e.getMessage());

        assertThrows(IllegalArgumentException.class, PemTrustParameters::new);
        assertEquals(List.of(pki.rootPem()), new PemTrustParameters(pki.rootPem()).paths());
    }
}
