package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.CrlBuilder;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.TestCrl;
import io.github.mbedtlsjni.testing.TestPki;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.bouncycastle.asn1.ASN1GeneralizedTime;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-CRL accessors of {@link X509Crl}, read by Mbed TLS, against what Bouncy Castle wrote. */
class X509CrlFieldsTest {
    @TempDir
    static Path dir;

    static TestPki pki;

    @BeforeAll
    static void pki() {
        pki = TestPki.create(dir.resolve("ec"), KeyType.EC_P256);
    }

    private static Extensions reason(int code) {
        return new Extensions(new Extension(Extension.reasonCode, false, encoded(CRLReason.lookup(code))));
    }

    private static byte[] encoded(org.bouncycastle.asn1.ASN1Object o) {
        try {
            return o.getEncoded();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void issuerDatesAlgorithmAndEntriesAreMbedTlsReading() throws Exception {
        Instant thisUpdate = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS);
        Instant nextUpdate = thisUpdate.plus(Duration.ofDays(3));
        Instant revoked = thisUpdate.minus(Duration.ofDays(10));
        BigInteger big = new BigInteger("00ff00112233445566778899aabbccddeeff", 16);
        // The reason after another extension (invalidityDate), to be found by walking past it.
        Extensions invalidThenReason = new Extensions(new Extension[] {
            new Extension(Extension.invalidityDate, false, encoded(new ASN1GeneralizedTime("20240101000000Z"))),
            new Extension(Extension.reasonCode, false, encoded(CRLReason.lookup(CRLReason.cessationOfOperation)))});
        // Mbed TLS keeps entry extensions raw, so a reasonCode that is not an ENUMERATED parses
        // (the JDK refuses the whole CRL); the binding reports it rather than guessing.
        Extensions wrongType = new Extensions(new Extension(Extension.reasonCode, false, encoded(new ASN1Integer(3))));
        byte[] crl = CrlBuilder.issuedBy(pki.intermediate()).thisUpdate(thisUpdate).nextUpdate(nextUpdate)
                .revoke(BigInteger.valueOf(7))
                .revoke(big, revoked, reason(CRLReason.unspecified))
                .revoke(BigInteger.valueOf(300), revoked, null)
                .revoke(BigInteger.valueOf(301), revoked, invalidThenReason)
                .revoke(BigInteger.valueOf(302), revoked, wrongType)
                .buildDer();
        try (X509Crl list = new X509Crl(); X509Crt issuer = X509Crt.of(pki.intermediate().der())) {
            list.parse(crl);
            assertEquals(1, list.size());
            assertEquals(issuer.subject(0), list.issuer(0), "the issuer as mbedtls_x509_dn_gets prints the CA's subject");
            assertEquals(2, list.version(0));
            assertEquals(thisUpdate, list.thisUpdate(0));
            assertEquals(nextUpdate, list.nextUpdate(0));
            assertEquals("ECDSA with SHA256", list.signatureAlgorithm(0));

            List<X509Crl.Entry> entries = list.entries(0);
            assertEquals(5, entries.size(), entries.toString());
            assertArrayEquals(BigInteger.valueOf(7).toByteArray(), entries.get(0).serial());
            assertEquals(CRLReason.keyCompromise, entries.get(0).reasonCode());
            assertArrayEquals(big.toByteArray(), entries.get(1).serial(), "the serial's bytes as encoded");
            assertEquals(CRLReason.unspecified, entries.get(1).reasonCode(), "0 is a reason, not its absence");
            assertEquals(revoked, entries.get(1).revocationDate());
            assertArrayEquals(reason(CRLReason.unspecified).getEncoded(), entries.get(1).extensions());
            assertEquals(X509Crl.Entry.NO_REASON, entries.get(2).reasonCode());
            assertNull(entries.get(2).extensions());
            assertEquals(CRLReason.cessationOfOperation, entries.get(3).reasonCode());
            assertArrayEquals(invalidThenReason.getEncoded(), entries.get(3).extensions());
            assertEquals(X509Crl.Entry.MALFORMED_EXTENSIONS, entries.get(4).reasonCode());
            assertTrue(entries.get(1).toString().contains("00FF0011"), entries.get(1).toString());

            String info = list.info(0);
            assertTrue(info.contains("CRL version"), info);
            assertEquals(5, info.split("serial number", -1).length - 1, info);
        }
    }

    @Test
    void aCrlWithoutNextUpdateAndAListOfSeveral() {
        TestCrl first = CrlBuilder.issuedBy(pki.intermediate()).noNextUpdate().build();
        TestCrl second = CrlBuilder.issuedBy(pki.root()).build();
        try (X509Crl list = new X509Crl()) {
            list.parse((first.pem() + second.pem()).getBytes(StandardCharsets.US_ASCII));
            assertEquals(2, list.size());
            assertNull(list.nextUpdate(0), "no nextUpdate");
            assertEquals(List.of(), list.entries(0));
            assertTrue(list.issuer(1).contains("Root"), list.issuer(1));
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> list.entries(2));
            assertEquals("CRL index 2 out of range for a list of 2", e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> list.issuer(-1));
        }
        X509Crl closed = new X509Crl();
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.info(0));
        try (X509Crl empty = new X509Crl()) {
            assertThrows(IndexOutOfBoundsException.class, () -> empty.version(0));
        }
    }

    /** A long CRL's text does not fit the first buffer: the glue grows it until it does. */
    @Test
    void theInfoOfALongCrlIsWhole() {
        CrlBuilder builder = CrlBuilder.issuedBy(pki.intermediate());
        Instant when = Instant.now().minus(Duration.ofDays(1));
        for (int i = 0; i < 3000; i++) {
            builder.revoke(BigInteger.valueOf(1_000_000L + i), when, null);
        }
        try (X509Crl list = new X509Crl()) {
            list.parse(builder.build().der());
            String info = list.info(0);
            assertTrue(info.length() > 16384 * 4, "longer than two growth steps: " + info.length());
            assertEquals(3000, info.split("serial number", -1).length - 1);
            assertEquals(3000, list.entries(0).size());
        }
    }
}
