package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.TestPki;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A config prepared with nothing but defaults() verifies the peer; weaker needs asking by name. */
class SecureDefaultsTest {
    @TempDir
    static Path dir;

    /** The guide's steps with no auth mode and no version set: only defaults(). */
    private static void handshakeWithDefaults(int port, Path caPem, AuthMode explicit) {
        try (Entropy entropy = new Entropy();
                CtrDrbg drbg = new CtrDrbg();
                SslConfig config = new SslConfig();
                X509Crt ca = new X509Crt();
                SslContext ssl = new SslContext();
                NetContext net = new NetContext()) {
            drbg.seed(entropy, "defaults");
            config.defaults();
            assertEquals(AuthMode.REQUIRED, config.authMode());
            if (explicit != null) {
                config.setAuthMode(explicit);
            }
            config.setRng(drbg);
            ca.parseFile(caPem);
            config.setCaChain(ca);
            ssl.setup(config);
            ssl.setHostname(TestPki.SERVER_NAME);
            net.connect("127.0.0.1", port);
            ssl.setBio(net);
            ssl.handshake();
            if (explicit == null) {
                assertEquals(0, ssl.verifyResult().flags());
            }
        }
    }

    @Test
    void defaultsRequireAVerifiedCertificate() {
        TestPki pki = TestPki.create(dir, KeyType.EC_P256);
        try (JsseServer server = JsseServer.start(pki)) {
            handshakeWithDefaults(server.port(), pki.rootPem(), null); // trusted: fine
            CertificateVerificationException e = assertThrows(CertificateVerificationException.class,
                    () -> handshakeWithDefaults(server.port(), pki.unknownRootPem(), null));
            assertTrue(e.verifyResult().has(VerifyFlag.BADCERT_NOT_TRUSTED), e::getMessage);
            // Only by name: AuthMode.NONE completes the handshake with an untrusted chain.
            handshakeWithDefaults(server.port(), pki.unknownRootPem(), AuthMode.NONE);
        }
    }
}
