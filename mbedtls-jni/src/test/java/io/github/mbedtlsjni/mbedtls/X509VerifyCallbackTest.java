package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.ExtKeyUsage;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.KeyUsageBit;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.TestCert;
import io.github.mbedtlsjni.testing.TestPki;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link X509Crt#verify(X509Crt, X509Crl, String, VerifyProfile, X509VerifyCallback)}: Mbed TLS's
 * {@code f_vrfy}, called per certificate from the top down, whose answer replaces the
 * certificate's flags as a C callback's would.
 */
class X509VerifyCallbackTest {
    private static final int EXPIRED = VerifyFlag.BADCERT_EXPIRED.bit();
    private static final int NOT_TRUSTED = VerifyFlag.BADCERT_NOT_TRUSTED.bit();

    @TempDir
    static Path dir;

    static TestPki pki;

    @BeforeAll
    static void pki() {
        pki = TestPki.create(dir, KeyType.EC_P256, "Callback");
    }

    /** One call of the callback as it saw it. */
    private static final class Call {
        final byte[] der;
        final int depth;
        final int flags;

        Call(byte[] der, int depth, int flags) {
            this.der = der;
            this.depth = depth;
            this.flags = flags;
        }
    }

    private static X509Crt chain(TestCert... certs) {
        X509Crt crt = new X509Crt();
        for (TestCert c : certs) {
            crt.parseDer(c.der());
        }
        return crt;
    }

    @Test
    void calledForEachCertificateFromTheTrustAnchorDown() {
        List<Call> calls = new ArrayList<>();
        try (X509Crt chain = chain(pki.leaf(), pki.intermediate()); X509Crt trusted = X509Crt.of(pki.root().der())) {
            VerifyResult result = chain.verify(trusted, null, TestPki.SERVER_NAME, VerifyProfile.DEFAULT, X509Crt.Purpose.ANY,
                    (der, depth, flags) -> {
                        calls.add(new Call(der, depth, flags));
                        return flags;
                    });
            assertTrue(result.isOk(), result::describe);
        }
        assertEquals(3, calls.size());
        TestCert[] expected = {pki.root(), pki.intermediate(), pki.leaf()};
        for (int i = 0; i < 3; i++) {
            assertEquals(2 - i, calls.get(i).depth);
            assertArrayEquals(expected[i].der(), calls.get(i).der, "depth " + (2 - i));
            assertEquals(0, calls.get(i).flags);
        }
    }

    @Test
    void theAnswerReplacesTheCertificatesFlagsBothWays() {
        TestCert expired = pki.expiredLeaf();
        try (X509Crt chain = chain(expired, pki.intermediate()); X509Crt trusted = X509Crt.of(pki.root().der())) {
            assertEquals(EXPIRED, chain.verify(trusted, null, TestPki.SERVER_NAME).flags(), "without a callback");
            List<Call> calls = new ArrayList<>();
            VerifyResult cleared = chain.verify(trusted, null, TestPki.SERVER_NAME, VerifyProfile.DEFAULT, X509Crt.Purpose.ANY,
                    (der, depth, flags) -> {
                        calls.add(new Call(der, depth, flags));
                        return depth == 0 ? flags & ~EXPIRED : flags;
                    });
            assertEquals(EXPIRED, calls.get(calls.size() - 1).flags, "the leaf's flags as Mbed TLS found them");
            assertTrue(cleared.isOk(), "a cleared flag is accepted, as in C: " + cleared.describe());

            VerifyResult refused = chain.verify(trusted, null, TestPki.SERVER_NAME, VerifyProfile.DEFAULT, X509Crt.Purpose.ANY,
                    (der, depth, flags) -> depth == 1 ? flags | X509VerifyCallback.BADCERT_OTHER : flags);
            assertEquals(EXPIRED | X509VerifyCallback.BADCERT_OTHER, refused.flags());
            assertTrue(refused.info().contains("Other reason"), refused.info());
        }
        // A chain to an anchor nobody trusts: the top certificate carries NOT_TRUSTED.
        try (X509Crt chain = chain(pki.leaf(), pki.intermediate()); X509Crt nothing = new X509Crt()) {
            List<Call> calls = new ArrayList<>();
            VerifyResult untrusted = chain.verify(nothing, null, TestPki.SERVER_NAME, VerifyProfile.DEFAULT, X509Crt.Purpose.ANY,
                    (der, depth, flags) -> {
                        calls.add(new Call(der, depth, flags));
                        return flags;
                    });
            assertEquals(NOT_TRUSTED, untrusted.flags());
            assertEquals(NOT_TRUSTED, calls.get(0).flags & NOT_TRUSTED, "the top of what Mbed TLS could chain");
        }
    }

    @Test
    void anExceptionEndsTheVerificationAndPropagatesUnchanged() throws InterruptedException {
        Map<String, Long> before = LiveObjects.settle();
        IllegalStateException mine = new IllegalStateException("the callback's own reason");
        try (X509Crt chain = chain(pki.leaf(), pki.intermediate()); X509Crt trusted = X509Crt.of(pki.root().der())) {
            int[] calls = {0};
            RuntimeException thrown = assertThrows(RuntimeException.class,
                    () -> chain.verify(trusted, null, TestPki.SERVER_NAME, VerifyProfile.DEFAULT, X509Crt.Purpose.ANY, (der, depth, flags) -> {
                        calls[0]++;
                        throw mine;
                    }));
            assertSame(mine, thrown);
            assertEquals(1, calls[0], "no call after the exception");
            // The chain is still usable afterwards.
            assertTrue(chain.verify(trusted, null, TestPki.SERVER_NAME).isOk());
        }
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "every native object freed");
    }

    @Test
    void theCallbackMayReadTheListsButNotAppendToThem() {
        try (X509Crt chain = chain(pki.leaf(), pki.intermediate()); X509Crt trusted = X509Crt.of(pki.root().der())) {
            List<String> subjects = new ArrayList<>();
            chain.verify(trusted, null, TestPki.SERVER_NAME, VerifyProfile.DEFAULT, X509Crt.Purpose.ANY, (der, depth, flags) -> {
                subjects.add(depth == 2 ? trusted.subject(0) : chain.subject(depth));
                return flags;
            });
            assertEquals(List.of(trusted.subject(0), chain.subject(1), chain.subject(0)), subjects);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> chain.verify(trusted, null, TestPki.SERVER_NAME, VerifyProfile.DEFAULT, X509Crt.Purpose.ANY, (der, depth, flags) -> {
                        trusted.parseDer(der);
                        return flags;
                    }));
            assertTrue(e.getMessage().contains("being read by this thread"), e.getMessage());
            assertEquals(1, trusted.size(), "nothing appended");
        }
    }

    /** The purposes add the usage checks of a handshake: the leaf's keyUsage and extendedKeyUsage. */
    @Test
    void aPurposeChecksTheLeafsUsageAsAHandshakeWould() {
        int ku = VerifyFlag.BADCERT_KEY_USAGE.bit();
        int eku = VerifyFlag.BADCERT_EXT_KEY_USAGE.bit();
        TestCert clientOnly = pki.serverCert().extendedKeyUsage(ExtKeyUsage.CLIENT_AUTH).issuedBy(pki.intermediate());
        TestCert encipherOnly = pki.serverCert().keyUsage(KeyUsageBit.KEY_ENCIPHERMENT).issuedBy(pki.intermediate());
        try (X509Crt trusted = X509Crt.of(pki.root().der()); X509Crt client = chain(clientOnly, pki.intermediate());
                X509Crt encipher = chain(encipherOnly, pki.intermediate()); X509Crt plain = chain(pki.leaf(), pki.intermediate())) {
            assertEquals(0, purpose(client, trusted, X509Crt.Purpose.ANY));
            assertEquals(eku, purpose(client, trusted, X509Crt.Purpose.TLS_SERVER));
            assertEquals(0, purpose(client, trusted, X509Crt.Purpose.TLS_CLIENT));
            assertEquals(ku, purpose(encipher, trusted, X509Crt.Purpose.TLS_SERVER));
            assertEquals(ku | eku, purpose(encipher, trusted, X509Crt.Purpose.TLS_CLIENT), "its extendedKeyUsage is serverAuth");
            assertEquals(0, purpose(plain, trusted, X509Crt.Purpose.TLS_SERVER), "the test PKI's leaf serves TLS");
            // The purpose's flags come after the callback, as the handshake adds them after f_vrfy.
            assertEquals(eku, client.verify(trusted, null, TestPki.SERVER_NAME, VerifyProfile.DEFAULT,
                    X509Crt.Purpose.TLS_SERVER, (der, depth, flags) -> 0).flags());
        }
    }

    private static int purpose(X509Crt chain, X509Crt trusted, X509Crt.Purpose purpose) {
        return chain.verify(trusted, null, TestPki.SERVER_NAME, VerifyProfile.DEFAULT, purpose, null).flags();
    }
}
