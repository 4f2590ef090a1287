package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.TlsClient;
import io.github.mbedtlsjni.TlsException;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.OpenSslServer;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A refused certificate chain is reported with the chain itself
 * ({@link CertificateVerificationException#peerChain()}): after a failed handshake Mbed TLS has no
 * peer certificate to give ({@code mbedtls_ssl_get_peer_cert}), and in TLS 1.2 it frees the chain
 * it refused, so the binding keeps the DER the server sent when the verification flags something.
 */
class RefusedChainTest {
    @TempDir
    static Path dir;

    private static TestPki pki;

    @BeforeAll
    static void createPki() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    private static void assertTheServersChain(X509Crt chain) {
        assertEquals(2, chain.size(), "leaf and intermediate, as sent");
        assertArrayEquals(pki.intermediate().der(), chain.der(1));
        assertEquals("CN=localhost", chain.subject(0));
        assertEquals(chain.subject(1), chain.issuer(0));
    }

    /** The thin classes, untrusted root (NOT_TRUSTED) and an expired leaf, TLS 1.2 and 1.3. */
    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void theRefusedChainComesWithTheException(TlsProtocol protocol) throws Exception {
        if (protocol == TlsProtocol.TLS_1_3) {
            MbedTlsVersions.assumeTls13();
        }
        Map<String, Long> before = LiveObjects.settle();
        try (OpenSslServer server = OpenSslServer.builder(pki).protocols(protocol).start()) {
            CertificateVerificationException e = handshake(server.port(), pki.unknownRootPem());
            assertTrue(e.verifyResult().has(VerifyFlag.BADCERT_NOT_TRUSTED), e.verifyResult().toString());
            try (X509Crt chain = e.peerChain()) {
                assertTheServersChain(chain);
                assertArrayEquals(pki.leaf().der(), chain.der(0));
            }
            try (X509Crt again = e.peerChain()) {
                assertEquals(2, again.size(), "each call parses a new chain");
            }
        }
        try (OpenSslServer server = OpenSslServer.builder(pki.expiredChainPem(), pki.serverKeyPem()).protocols(protocol).start()) {
            CertificateVerificationException e = handshake(server.port(), pki.rootPem());
            assertTrue(e.verifyResult().has(VerifyFlag.BADCERT_EXPIRED), e.verifyResult().toString());
            try (X509Crt chain = e.peerChain()) {
                assertTheServersChain(chain);
                assertArrayEquals(pki.expiredLeaf().der(), chain.der(0));
            }
        }
        Map<String, Long> after = LiveObjects.awaitAtMost(before);
        assertNull(LiveObjects.leaks(before, after), "every chain closed, every context freed");
    }

    private static CertificateVerificationException handshake(int port, Path trusted) {
        try (Entropy entropy = new Entropy(); CtrDrbg drbg = new CtrDrbg(); SslConfig config = new SslConfig();
             X509Crt ca = new X509Crt(); NetContext net = new NetContext(); SslContext ssl = new SslContext()) {
            drbg.seed(entropy, "refused chain");
            config.defaults();
            config.setRng(drbg);
            ca.parseFile(trusted);
            config.setCaChain(ca);
            ssl.setup(config);
            ssl.setHostname("localhost");
            net.connect("127.0.0.1", port);
            ssl.setBio(net);
            CertificateVerificationException e = assertThrows(CertificateVerificationException.class, ssl::handshake);
            assertNull(ssl.peerCertificates(), "Mbed TLS itself has no peer certificate after the failure");
            return e;
        }
    }

    /** Through TlsClient: the TlsException's cause carries it. */
    @Test
    void aTlsClientsVerificationFailureCarriesTheChain() throws Exception {
        TlsClient client = TlsClient.builder().trustPemFile(pki.unknownRootPem()).build();
        try (client; OpenSslServer server = OpenSslServer.start(pki)) {
            TlsException e = assertThrows(TlsException.class, () -> client.connection("127.0.0.1", server.port()).serverName("localhost").connect());
            assertTrue(e.isCertificateVerificationFailure(), e.toString());
            try (X509Crt chain = ((CertificateVerificationException) e.getCause()).peerChain()) {
                assertTheServersChain(chain);
            }
        }
    }

    /** A failure before any certificate arrived keeps none. */
    @Test
    void noChainWhenNoneWasReceived() {
        CertificateVerificationException e = new CertificateVerificationException(-0x2700, "f", "text", 0x08, "info", null);
        assertNull(e.peerChain());
    }
}
