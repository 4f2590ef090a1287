package io.github.mbedtlsjni.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.PkContext;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes private-key parsing through the binding ({@code mbedtls_pk_parse_key}: PKCS#1, SEC1,
 * PKCS#8, PEM or DER), then the accessors. Without a password: an encrypted key stops at
 * PASSWORD_REQUIRED before any key derivation, whose iteration count an input could otherwise
 * make arbitrarily slow (a documented cost of encrypted keys, not a parser bug). See {@link FuzzTests}.
 */
class PkParseFuzzTest {
    private static final CtrDrbg RNG = new CtrDrbg();

    static {
        try (Entropy entropy = new Entropy()) {
            RNG.seed(entropy, "pk fuzz");
        }
    }

    @BeforeAll
    static void seeds() {
        FuzzSeeds.write(PkParseFuzzTest.class, "parseKey", FuzzSeeds.keys());
    }

    @FuzzTest(maxDuration = FuzzTests.CI_DURATION)
    void parseKey(byte[] data) {
        try (PkContext pk = new PkContext()) {
            try {
                pk.parseKey(data, null, RNG);
            } catch (MbedTlsException expected) {
                return;
            }
            pk.name();
            pk.bits();
        }
    }
}
