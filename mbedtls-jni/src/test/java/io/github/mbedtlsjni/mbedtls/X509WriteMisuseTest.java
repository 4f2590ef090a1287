package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Misuse of key generation, key writing and the CSR and certificate writers: each ends in a clear
 * exception (Mbed TLS's code kept where Mbed TLS refused), never a crash, and no native object is
 * left behind.
 */
class X509WriteMisuseTest {
    // Not among MbedTlsError's names; the same on 2.28 and 3.6.
    private static final int ECP_FEATURE_UNAVAILABLE = -0x4E80;
    private static final int RSA_BAD_INPUT_DATA = -0x4080;
    /** Over Mbed TLS's limit on both lines (3.6: 20 bytes, 2.28: 32); not zeros, which 2.28's mpi would shorten to nothing. */
    private static final byte[] TOO_LONG_SERIAL = new byte[40];
    static {
        java.util.Arrays.fill(TOO_LONG_SERIAL, (byte) 0x11);
    }

    private static Entropy entropy;
    private static CtrDrbg rng;
    private static PkContext ec;

    @BeforeAll
    static void seed() {
        entropy = new Entropy();
        rng = new CtrDrbg();
        rng.seed(entropy, "X509WriteMisuseTest");
        ec = PkContext.generateEc("secp256r1", rng);
    }

    @AfterAll
    static void free() {
        ec.close();
        rng.close();
        entropy.close();
    }

    private static X509CrtWriter selfSigned() {
        return new X509CrtWriter().subject("CN=x").validity(Instant.now(), Instant.now().plusSeconds(60));
    }

    @Test
    void unknownCurvesAndRefusedRsaSizesKeepMbedTlsCodes() {
        MbedTlsException e = assertThrows(MbedTlsException.class, () -> PkContext.generateEc("secp255r1", rng));
        assertEquals(ECP_FEATURE_UNAVAILABLE, e.code());
        assertTrue(e.getMessage().contains("unknown curve \"secp255r1\"") && e.getMessage().contains("secp256r1"), e.getMessage());
        assertTrue(PkContext.ecCurves().containsAll(java.util.List.of("secp256r1", "secp384r1")), PkContext.ecCurves().toString());

        e = assertThrows(MbedTlsException.class, () -> PkContext.generateRsa(100, rng));
        assertEquals(RSA_BAD_INPUT_DATA, e.code());
        assertTrue(e.getMessage().contains("100 bits"), e.getMessage());
        e = assertThrows(MbedTlsException.class, () -> PkContext.generateRsa(1024, 1, rng)); // below 3
        assertEquals(RSA_BAD_INPUT_DATA, e.code());
        // An even exponent would make mbedtls_rsa_gen_key search forever: refused before it.
        assertThrows(IllegalArgumentException.class, () -> PkContext.generateRsa(1024, 4, rng));
        assertThrows(IllegalArgumentException.class, () -> PkContext.generateRsa(-2048, rng));
        assertThrows(NullPointerException.class, () -> PkContext.generateEc(null, rng));
        assertThrows(NullPointerException.class, () -> PkContext.generateEc("secp256r1", null));
        try (CtrDrbg unseeded = new CtrDrbg()) {
            assertThrows(IllegalStateException.class, () -> PkContext.generateEc("secp256r1", unseeded));
        }
    }

    @Test
    void publicOnlyEmptyAndClosedKeysAreRefused() {
        try (PkContext pub = new PkContext(); PkContext empty = new PkContext()) {
            pub.parsePublicKey(ec.publicKeyDer());
            assertTrue(!pub.hasPrivateKey() && pub.hasKey());
            assertTrue(assertThrows(IllegalStateException.class, pub::privateKeyPem).getMessage().contains("public key only"));
            assertThrows(IllegalStateException.class, pub::privateKeyDer);
            assertEquals(new String(ec.publicKeyPem()), new String(pub.publicKeyPem()));
            assertTrue(assertThrows(IllegalStateException.class, () -> new X509CsrWriter().subject("CN=x").writePem(pub, rng))
                    .getMessage().contains("signing needs the private key"));
            assertThrows(IllegalStateException.class, () -> selfSigned().writePem(ec, pub, rng));
            selfSigned().writePem(pub, ec, rng); // a public subject key is what a CA certifies
            assertThrows(IllegalStateException.class, empty::publicKeyDer);
            assertThrows(IllegalStateException.class, () -> new X509CsrWriter().subject("CN=x").writeDer(empty, rng));
            assertThrows(IllegalStateException.class, () -> pub.parsePublicKey(ec.publicKeyDer()));
            assertThrows(MbedTlsException.class, () -> empty.parsePublicKey(new byte[] {0x30, 0x03, 1, 2, 3}));
        }
        PkContext closed = PkContext.generateEc("secp256r1", rng);
        closed.close();
        assertThrows(IllegalStateException.class, closed::privateKeyPem);
        assertThrows(IllegalStateException.class, () -> new X509CsrWriter().subject("CN=x").writePem(closed, rng));
        assertThrows(IllegalStateException.class, () -> selfSigned().writePem(closed, closed, rng));
    }

    @Test
    void badNamesAndValuesEndInClearExceptions() {
        assertThrows(IllegalArgumentException.class, () -> new X509CsrWriter().subject(""));
        assertThrows(IllegalArgumentException.class, () -> new X509CrtWriter().issuer("  "));
        assertThrows(NullPointerException.class, () -> new X509CsrWriter().subject(null));
        assertThrows(IllegalStateException.class, () -> new X509CsrWriter().writePem(ec, rng)); // no subject
        assertThrows(IllegalStateException.class, () -> new X509CrtWriter().subject("CN=x").writePem(ec, ec, rng)); // no validity
        MbedTlsException e = assertThrows(MbedTlsException.class,
                () -> new X509CsrWriter().subject("CN=x,NOSUCH=y").writePem(ec, rng));
        assertTrue(MbedTlsError.name(e.code()).startsWith("MBEDTLS_ERR_X509_"), MbedTlsError.name(e.code()));
        assertEquals("mbedtls_x509write_csr_set_subject_name", e.function());
        String huge = "CN=" + "a".repeat(100_000);
        e = assertThrows(MbedTlsException.class, () -> new X509CsrWriter().subject(huge).writePem(ec, rng));
        assertTrue(MbedTlsError.name(e.code()).startsWith("MBEDTLS_ERR_X509_"), MbedTlsError.name(e.code()));
        assertThrows(IllegalArgumentException.class, () -> new X509CsrWriter().keyUsage(X509Crt.KU_DECIPHER_ONLY));
        assertThrows(IllegalArgumentException.class, () -> new X509CsrWriter().subjectAltName(SubjectAltName.Type.IP_ADDRESS, "dev42.local"));
        assertThrows(IllegalArgumentException.class, () -> new X509CsrWriter().subjectAltName(SubjectAltName.Type.DNS_NAME, "bücher.example"));
        assertThrows(IllegalArgumentException.class, () -> new X509CsrWriter().subjectAltName(SubjectAltName.Type.DNS_NAME, ""));
        assertThrows(IllegalArgumentException.class,
                () -> new X509CsrWriter().subjectAltName(SubjectAltName.Type.HARDWARE_MODULE_NAME, "1.2.3"));
        assertThrows(IllegalArgumentException.class, () -> new X509CsrWriter().extendedKeyUsage("clientAuth"));
        assertThrows(IllegalArgumentException.class, () -> new X509CrtWriter().serial(new byte[65]));
        assertThrows(IllegalArgumentException.class, () -> new X509CrtWriter().serial(java.math.BigInteger.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new X509CrtWriter().version(4));
        e = assertThrows(MbedTlsException.class, () -> selfSigned().serial(TOO_LONG_SERIAL).writePem(ec, ec, rng));
        assertEquals("MBEDTLS_ERR_X509_BAD_INPUT_DATA", MbedTlsError.name(e.code()));
        e = assertThrows(MbedTlsException.class, () -> new X509CrtWriter().subject("CN=x")
                .validity(Instant.parse("+10000-01-01T00:00:00Z"), Instant.parse("+10001-01-01T00:00:00Z")).writePem(ec, ec, rng));
        assertEquals("mbedtls_x509write_crt_set_validity", e.function());
    }

    @Test
    void curve25519KeysGenerateButCannotSignACsr() {
        if (!PkContext.ecCurves().contains("x25519")) {
            return; // nothing to show: this Mbed TLS has no Curve25519
        }
        try (PkContext x = PkContext.generateEc("x25519", rng)) {
            assertEquals(255, x.bits());
            MbedTlsException e = assertThrows(MbedTlsException.class, () -> new X509CsrWriter().subject("CN=x").writePem(x, rng));
            assertEquals("mbedtls_x509write_csr_pem", e.function());
            // Writing the key: Mbed TLS 3.6 writes RFC 8410's forms (PKCS#8 and a 44-byte
            // SubjectPublicKeyInfo); 2.28 has no OID for the curve and refuses.
            if (MbedTlsVersions.is2()) {
                assertEquals("mbedtls_pk_write_pubkey_der", assertThrows(MbedTlsException.class, x::publicKeyDer).function());
                assertThrows(MbedTlsException.class, x::privateKeyDer);
            } else {
                byte[] pem = x.privateKeyPem();
                assertTrue(new String(pem, java.nio.charset.StandardCharsets.US_ASCII).startsWith("-----BEGIN PRIVATE KEY-----\n"));
                byte[] spki = x.publicKeyDer();
                assertEquals(44, spki.length);
                try (PkContext back = new PkContext()) {
                    back.parsePublicKey(spki);
                    assertEquals(255, back.bits());
                }
            }
        }
    }

    @Test
    void misuseLeavesNoNativeObjectBehind() throws Exception {
        Map<String, Long> before = LiveObjects.settle();
        for (int i = 0; i < 50; i++) {
            try (PkContext key = PkContext.generateEc("secp256r1", rng)) {
                new X509CsrWriter().subject("CN=x").subjectAltName(SubjectAltName.Type.DNS_NAME, "x").extendedKeyUsage("1.3.6.1.5.5.7.3.2")
                        .writeDer(key, rng);
                assertThrows(MbedTlsException.class, () -> new X509CsrWriter().subject("CN=x,NOSUCH=y").writePem(key, rng));
                assertThrows(MbedTlsException.class, () -> PkContext.generateEc("nosuch", rng));
                assertThrows(MbedTlsException.class, () -> selfSigned().serial(TOO_LONG_SERIAL).writePem(key, key, rng));
            }
        }
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)));
    }
}
