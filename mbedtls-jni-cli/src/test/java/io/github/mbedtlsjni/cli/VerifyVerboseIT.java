package io.github.mbedtlsjni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.VerifyFlag;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.TestCert;
import io.github.mbedtlsjni.testing.TestPki;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verify --verbose} of the packaged CLI: each certificate as the verify callback sees it,
 * from the trust anchor down, with an expired intermediate generated at test time so that
 * {@code BADCERT_EXPIRED} shows at depth 1 only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VerifyVerboseIT {
    @TempDir
    static Path dir;

    private TestPki pki;
    private Path expiredIntermediateChain;

    @BeforeAll
    void generate() {
        pki = TestPki.create(dir, KeyType.EC_P256, "Verbose");
        TestCert intermediate = pki.caCert("Verbose Expired Intermediate").expired().issuedBy(pki.root());
        TestCert leaf = pki.serverCert().issuedBy(intermediate);
        expiredIntermediateChain = pki.writeChain("expired-intermediate.pem", leaf, intermediate);
    }

    @Test
    void jsonStepsFromTheAnchorDownWithTheFlagAtItsDepth() throws Exception {
        CliRun run = CliRun.of(dir, "verify", expiredIntermediateChain.toString(), "--ca-file", pki.rootPem().toString(),
                "--server-name", TestPki.SERVER_NAME, "--verbose", "--json");
        assertEquals(1, run.status(), run.toString());
        Map<String, Object> json = run.json();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> steps = (List<Map<String, Object>>) json.get("steps");
        assertEquals(3, steps.size(), run.toString());
        assertEquals(List.of(2L, 1L, 0L), List.of(steps.get(0).get("depth"), steps.get(1).get("depth"), steps.get(2).get("depth")));
        assertTrue(((String) steps.get(1).get("subject")).contains("Verbose Expired Intermediate"), run.toString());
        assertEquals("CN=" + TestPki.SERVER_NAME, steps.get(2).get("subject"));
        long expired = VerifyFlag.BADCERT_EXPIRED.bit();
        assertEquals(0L, steps.get(0).get("flags"), "the root: " + run);
        assertEquals(expired, steps.get(1).get("flags"), "the intermediate: " + run);
        assertEquals(0L, steps.get(2).get("flags"), "the leaf: " + run);
        assertEquals(List.of("MBEDTLS_X509_BADCERT_EXPIRED"), steps.get(1).get("flag_names"));
        assertTrue(((String) steps.get(1).get("verify_info")).contains("expired"), run.toString());
        assertEquals(expired, json.get("verify_flags"), "the union of the steps");
    }

    @Test
    void textLinesPerDepthAndNoStepsWithoutVerbose() throws Exception {
        CliRun run = CliRun.of(dir, "verify", expiredIntermediateChain.toString(), "--ca-file", pki.rootPem().toString(),
                "--server-name", TestPki.SERVER_NAME, "--verbose");
        assertEquals(1, run.status(), run.toString());
        String out = run.out();
        int d2 = out.indexOf("Depth 2");
        int d1 = out.indexOf("Depth 1");
        int d0 = out.indexOf("Depth 0");
        assertTrue(d2 >= 0 && d2 < d1 && d1 < d0, "from the anchor down: " + out);
        assertTrue(out.substring(d1, d0).contains("MBEDTLS_X509_BADCERT_EXPIRED"), out);
        assertFalse(out.substring(d0).contains("MBEDTLS_X509_BADCERT_EXPIRED"), "not at the leaf: " + out);

        CliRun plain = CliRun.of(dir, "verify", expiredIntermediateChain.toString(), "--ca-file", pki.rootPem().toString(),
                "--server-name", TestPki.SERVER_NAME, "--json");
        assertFalse(plain.json().containsKey("steps"), plain.toString());
    }
}
