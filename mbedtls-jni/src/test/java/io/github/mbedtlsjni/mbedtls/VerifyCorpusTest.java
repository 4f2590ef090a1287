package io.github.mbedtlsjni.mbedtls;

import static io.github.mbedtlsjni.testing.MbedTlsVersions.byLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.mbedtlsjni.testing.GuideClient;
import io.github.mbedtlsjni.testing.NativeVerifyClient;
import io.github.mbedtlsjni.testing.OpenSslServer;
import io.github.mbedtlsjni.testing.VerifyCorpus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The certificate validation error corpus ({@link VerifyCorpus}), each case checked through real
 * TLS handshakes against {@code openssl s_server} on 127.0.0.1 serving that case's chain:
 *
 * <ul>
 *   <li>the native C client ({@code native/tools/verify_client.c}, same Mbed TLS, optional mode)
 *       and the binding in optional mode report the same handshake result, flags and verify info;
 *   <li>those equal the flags fixed below for the case (what Mbed TLS reports: a change is a
 *       regression, or a new Mbed TLS behaviour to record on purpose; where 2.28 and 3.6 differ,
 *       both are fixed, each with its reason);
 *   <li>in required mode the handshake fails with the code fixed below (or succeeds for flags 0),
 *       and a {@link CertificateVerificationException} carries the same flags;
 *   <li>the offline check {@link X509Crt#verify} of the same chain reports the same flags, minus the
 *       keyUsage/extendedKeyUsage flags that only the TLS layer adds, and exactly the same flags
 *       with {@link X509Crt.Purpose#TLS_SERVER}; a chain Mbed TLS cannot parse throws
 *       {@link X509ParseException} with the handshake's code.
 * </ul>
 *
 * <p>The run lists every case (stdout and {@code target/verify-corpus.md}) and, when all pass,
 * regenerates {@code docs/verify-corpus.md}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VerifyCorpusTest {
    private static final int OK = 0;
    private static final int VERIFY_FAILED = -0x2700; // MBEDTLS_ERR_X509_CERT_VERIFY_FAILED
    private static final int BAD_CERTIFICATE = -0x7A00; // MBEDTLS_ERR_SSL_BAD_CERTIFICATE
    /** MBEDTLS_ERR_X509_INVALID_EXTENSIONS + MBEDTLS_ERR_ASN1_UNEXPECTED_TAG. */
    private static final int EXTENSIONS_UNEXPECTED_TAG = -0x2500 - 0x0062;
    /** MBEDTLS_ERR_X509_INVALID_FORMAT + MBEDTLS_ERR_ASN1_LENGTH_MISMATCH. */
    private static final int FORMAT_LENGTH_MISMATCH = -0x2180 - 0x0066;
    private static final int USAGE_FLAGS = VerifyFlag.BADCERT_KEY_USAGE.bit() | VerifyFlag.BADCERT_EXT_KEY_USAGE.bit();

    /** What Mbed TLS reports for a case: the optional-mode handshake result and flags, and the required-mode code. */
    record Expected(int optionalRet, int flags, int requiredCode) {}

    private static final Map<String, Expected> EXPECTED = new LinkedHashMap<>();

    private static void expect(String id, int optionalRet, int flags, int requiredCode) {
        EXPECTED.put(id, new Expected(optionalRet, flags, requiredCode));
    }

    private static int flags(VerifyFlag... fs) {
        int bits = 0;
        for (VerifyFlag f : fs) {
            bits |= f.bit();
        }
        return bits;
    }

    // What Mbed TLS reports, case by case (the C client must report the same). Where 2.28 and 3.6
    // differ, byLine(on 2.28, on 3.6) records both, with the reason.
    static {
        expect("valid-ecdsa", OK, 0, OK);
        expect("valid-rsa", OK, 0, OK);
        expect("expired-leaf", OK, flags(VerifyFlag.BADCERT_EXPIRED), VERIFY_FAILED);
        expect("not-yet-valid-leaf", OK, flags(VerifyFlag.BADCERT_FUTURE), VERIFY_FAILED);
        expect("expired-intermediate", OK, flags(VerifyFlag.BADCERT_EXPIRED), VERIFY_FAILED);
        expect("expired-root", OK, flags(VerifyFlag.BADCERT_EXPIRED), VERIFY_FAILED);
        expect("self-signed-leaf", OK, flags(VerifyFlag.BADCERT_NOT_TRUSTED), VERIFY_FAILED);
        expect("unknown-root", OK, flags(VerifyFlag.BADCERT_NOT_TRUSTED), VERIFY_FAILED);
        expect("only-intermediate-trusted", OK, 0, OK);
        expect("missing-intermediate", OK, flags(VerifyFlag.BADCERT_NOT_TRUSTED), VERIFY_FAILED);
        // Mbed TLS looks for a certificate's parent only after it in the chain, then among the trusted CAs.
        expect("chain-out-of-order", OK, flags(VerifyFlag.BADCERT_NOT_TRUSTED), VERIFY_FAILED);
        expect("intermediate-ca-false", OK, flags(VerifyFlag.BADCERT_NOT_TRUSTED), VERIFY_FAILED);
        expect("intermediate-no-keycertsign", OK, flags(VerifyFlag.BADCERT_NOT_TRUSTED), VERIFY_FAILED);
        expect("intermediate-no-basic-constraints", OK, flags(VerifyFlag.BADCERT_NOT_TRUSTED), VERIFY_FAILED);
        expect("path-length-exceeded", OK, flags(VerifyFlag.BADCERT_NOT_TRUSTED), VERIFY_FAILED);
        expect("tampered-leaf", OK, flags(VerifyFlag.BADCERT_NOT_TRUSTED), VERIFY_FAILED);
        expect("hostname-mismatch-san", OK, flags(VerifyFlag.BADCERT_CN_MISMATCH), VERIFY_FAILED);
        expect("cn-only-match", OK, 0, OK);
        expect("cn-only-mismatch", OK, flags(VerifyFlag.BADCERT_CN_MISMATCH), VERIFY_FAILED);
        expect("wildcard-one-label", OK, 0, OK);
        expect("wildcard-two-labels", OK, flags(VerifyFlag.BADCERT_CN_MISMATCH), VERIFY_FAILED);
        // 2.28 has no iPAddress SAN matching (added in 3.5.0, x509_crt_check_san_ip): its
        // x509_crt_check_san compares the expected name with dNSName SANs only, and this leaf has
        // none (and, having a SAN, its CN is not looked at).
        expect("ip-san", OK, byLine(flags(VerifyFlag.BADCERT_CN_MISMATCH), 0), byLine(VERIFY_FAILED, OK));
        expect("empty-subject-no-san", OK, flags(VerifyFlag.BADCERT_CN_MISMATCH), VERIFY_FAILED);
        // keyUsage/extendedKeyUsage are the TLS layer's checks (mbedtls_ssl_check_cert_usage): another code.
        // (2.28 calls the code MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE: the same -0x7A00.)
        expect("leaf-no-digital-signature", OK, flags(VerifyFlag.BADCERT_KEY_USAGE), BAD_CERTIFICATE);
        expect("eku-client-auth-only", OK, flags(VerifyFlag.BADCERT_EXT_KEY_USAGE), BAD_CERTIFICATE);
        expect("rsa-1024-leaf", OK, flags(VerifyFlag.BADCERT_BAD_KEY), VERIFY_FAILED);
        expect("rsa-1024-intermediate", OK, flags(VerifyFlag.BADCERT_BAD_KEY), VERIFY_FAILED);
        expect("sha1-leaf", OK, flags(VerifyFlag.BADCERT_BAD_MD), VERIFY_FAILED);
        expect("md5-leaf", OK, flags(VerifyFlag.BADCERT_BAD_MD), VERIFY_FAILED);
        // Mbed TLS refuses to parse these: the handshake fails before any verification. 3.6 then
        // reports "no verification result" (0xFFFFFFFF: since 3.6.6 mbedtls_ssl_session_init sets
        // it, ChangeLog "Harden mbedtls_ssl_get_verify_result() against misuse"); 2.28's
        // mbedtls_ssl_session_init zeroes the session, so its mbedtls_ssl_get_verify_result says 0.
        expect("unknown-critical-extension", EXTENSIONS_UNEXPECTED_TAG, byLine(0, VerifyResult.NOT_AVAILABLE),
                EXTENSIONS_UNEXPECTED_TAG);
        expect("v1-with-extensions", FORMAT_LENGTH_MISMATCH, byLine(0, VerifyResult.NOT_AVAILABLE), FORMAT_LENGTH_MISMATCH);
        // The JDK's CertificateFactory refuses this one; Mbed TLS verifies it (JdkRefused).
        expect("utctime-without-z", OK, 0, OK);
        expect("leaf-revoked", OK, flags(VerifyFlag.BADCERT_REVOKED), VERIFY_FAILED);
        expect("crl-expired", OK, flags(VerifyFlag.BADCRL_EXPIRED), VERIFY_FAILED);
        expect("crl-not-yet-valid", OK, flags(VerifyFlag.BADCRL_FUTURE), VERIFY_FAILED);
        expect("crl-bad-signature", OK, flags(VerifyFlag.BADCRL_NOT_TRUSTED), VERIFY_FAILED);
        expect("crl-issuer-without-crlsign", OK, flags(VerifyFlag.BADCRL_NOT_TRUSTED), VERIFY_FAILED);
        expect("crl-other-issuer", OK, 0, OK);
        expect("revoked-intermediate", OK, flags(VerifyFlag.BADCERT_REVOKED), VERIFY_FAILED);
    }

    /** One row of the report. */
    record Row(VerifyCorpus.Case c, int ret, VerifyResult result, String required, String offline) {}

    @TempDir
    static Path dir;

    private Map<String, VerifyCorpus.Case> corpus;
    private final Map<String, Row> rows = new LinkedHashMap<>();

    @BeforeAll
    void generate() {
        corpus = VerifyCorpus.generate(dir);
        NativeVerifyClient.program(); // fails here, once, if it was not built
    }

    static Stream<String> caseIds() {
        return EXPECTED.keySet().stream();
    }

    @Test
    void theGeneratorBuildsExactlyTheCasesWithExpectations() {
        assertEquals(new ArrayList<>(EXPECTED.keySet()), new ArrayList<>(corpus.keySet()));
        assertTrue(corpus.size() >= 38, "the corpus has at least its 38 original cases");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseIds")
    void bindingReportsWhatNativeMbedTlsReports(String id, TestReporter reporter) {
        VerifyCorpus.Case c = corpus.get(id);
        Expected expected = EXPECTED.get(id);
        try (OpenSslServer server = OpenSslServer.builder(c.chainPem(), c.keyPem()).securityLevel(0).start()) {
            NativeVerifyClient.Outcome nat = NativeVerifyClient.run(server.port(), c.caPem(), c.crlPem(), c.hostname());
            Outcome java = optionalHandshake(c, server.port());
            // 1. The binding and the C program agree exactly.
            assertEquals(MbedTlsException.formatCode(nat.ret()), MbedTlsException.formatCode(java.ret), "handshake result, C vs Java");
            assertEquals(hex(nat.flags()), hex(java.result.flags()), "flags, C vs Java");
            if (java.result.isAvailable()) {
                assertEquals(nat.info(), java.result.info(), "verify info, C vs Java");
            } else {
                assertEquals("", java.result.info(), "no verify info without a result");
            }
            // 2. They are what Mbed TLS is known to report for this case.
            assertEquals(MbedTlsException.formatCode(expected.optionalRet()), MbedTlsException.formatCode(java.ret),
                    "optional-mode handshake result");
            assertEquals(hex(expected.flags()), hex(java.result.flags()), () -> "flags: " + java.result.describe());
            // 3. Required mode fails (or not) as Mbed TLS decides, carrying the same flags.
            String required = requiredHandshake(c, server.port(), expected, java.result);
            // 4. Offline, without the network.
            String offline = offline(c, expected, java);
            Row row = new Row(c, java.ret, java.result, required, offline);
            rows.put(id, row);
            reporter.publishEntry(id, hex(java.result.flags()) + " " + java.result.flagNames());
        }
    }

    // --- the binding ----------------------------------------------------------------------------

    record Outcome(int ret, VerifyResult result) {}

    private static Outcome optionalHandshake(VerifyCorpus.Case c, int port) {
        try (GuideClient client = GuideClient.prepare(c.caPem(), c.crlPem(), AuthMode.OPTIONAL, null, null)) {
            int ret = 0;
            try {
                client.connect(port, c.hostname());
                client.ssl.closeNotify();
            } catch (MbedTlsException e) {
                ret = e.code();
            }
            return new Outcome(ret, client.ssl.verifyResult());
        }
    }

    private static String requiredHandshake(VerifyCorpus.Case c, int port, Expected expected, VerifyResult optional) {
        try (GuideClient client = GuideClient.prepare(c.caPem(), c.crlPem(), AuthMode.REQUIRED, null, null)) {
            if (expected.requiredCode() == OK) {
                client.connect(port, c.hostname());
                assertTrue(client.ssl.verifyResult().isOk(), client.ssl.verifyResult()::describe);
                client.ssl.closeNotify();
                return "handshake succeeds";
            }
            MbedTlsException e = assertThrows(MbedTlsException.class, () -> client.connect(port, c.hostname()));
            assertEquals(MbedTlsException.formatCode(expected.requiredCode()), MbedTlsException.formatCode(e.code()),
                    e::getMessage);
            assertEquals(hex(optional.flags()), hex(client.ssl.verifyResult().flags()), "required mode records the same flags");
            if (e instanceof CertificateVerificationException) {
                assertEquals(optional, ((CertificateVerificationException) e).verifyResult());
            } else {
                assertFalse(optional.isAvailable() && !optional.isOk(),
                        "flags were recorded, so a CertificateVerificationException was due: " + e);
            }
            return e.getClass().getSimpleName() + " " + codeName(e.code());
        }
    }

    private static String offline(VerifyCorpus.Case c, Expected expected, Outcome handshake) {
        try (X509Crt chain = new X509Crt(); X509Crt trusted = new X509Crt(); X509Crl crls = new X509Crl()) {
            trusted.parseFile(c.caPem());
            if (c.crlPem() != null) {
                crls.parseFile(c.crlPem());
            }
            for (byte[] der : c.chainDer()) {
                try {
                    chain.parseDer(der);
                } catch (X509ParseException e) {
                    // The handshake failed on the same certificate with the same code.
                    assertEquals(MbedTlsException.formatCode(expected.optionalRet()), MbedTlsException.formatCode(e.code()),
                            e::getMessage);
                    assertTrue(e.category().isPresent(), () -> "a parse error has a category: " + e.errorName());
                    return "X509ParseException " + e.errorName() + " (" + e.category().get().tag() + ")";
                }
            }
            X509Crl crlOrNull = c.crlPem() != null ? crls : null;
            VerifyResult result = chain.verify(trusted, crlOrNull, c.hostname(), VerifyProfile.DEFAULT);
            assertEquals(hex(handshake.result().flags() & ~USAGE_FLAGS), hex(result.flags()),
                    () -> "offline: " + result.describe());
            // With the usage a TLS client checks of a server's certificate, offline says exactly
            // what the handshake said.
            VerifyResult asServer = chain.verify(trusted, crlOrNull, c.hostname(), VerifyProfile.DEFAULT,
                    X509Crt.Purpose.TLS_SERVER, null);
            assertEquals(hex(handshake.result().flags()), hex(asServer.flags()), () -> "offline, TLS_SERVER: " + asServer.describe());
            if (handshake.ret() != OK) {
                fail("the handshake failed (" + MbedTlsException.formatCode(handshake.ret()) + ") but the chain parses");
            }
            return result.isOk() ? "ok" : hex(result.flags());
        }
    }

    /** {@code -0x2700 MBEDTLS_ERR_X509_CERT_VERIFY_FAILED}; MbedTlsError does not name SSL codes (they differ between 2.28 and 3.x). */
    private static String codeName(int code) {
        String name = code == BAD_CERTIFICATE ? "MBEDTLS_ERR_SSL_BAD_CERTIFICATE" : MbedTlsError.name(code);
        return "`" + MbedTlsException.formatCode(code) + "` " + name;
    }

    private static String hex(int flags) {
        return String.format("0x%08X", flags);
    }

    // --- the report ------------------------------------------------------------------------------

    @AfterAll
    void report() throws IOException {
        String table = markdown();
        System.out.println(table);
        Path target = Path.of(System.getProperty("mbedtlsjni.basedir", ".")).resolve("target");
        if (!Files.isDirectory(target)) {
            return;
        }
        Files.writeString(target.resolve("verify-corpus.md"), table);
        // The table for docs/ (copied there by scripts/regen-docs, never by the build): only from a
        // complete run on a pinned tarball with the binding's configuration (not a system library,
        // user source or another profile), one per line: verify-corpus.md for 3.6 and
        // verify-corpus-2.28.md for 2.28.
        Path forDocs = target.resolve("docs").resolve(docsFileName());
        Files.deleteIfExists(forDocs);
        if (rows.size() == EXPECTED.size() && "pinned".equals(MbedTls.buildSource())
                && DOCS_CONFIG.equals(MbedTls.buildConfig())) {
            Files.createDirectories(forDocs.getParent());
            Files.writeString(forDocs, table);
        }
    }

    /** {@link MbedTls#buildConfig()} of the builds whose table goes to docs/. */
    private static final String DOCS_CONFIG = "default + native/mbedtls_jni_config.h";

    /** The docs/ file of the linked Mbed TLS's line. */
    static String docsFileName() {
        return byLine("verify-corpus-2.28.md", "verify-corpus.md");
    }

    /** True if the handshake failed before verifying: no result (3.6), or flags 0 with a failed handshake (2.28). */
    private static boolean failedBeforeVerifying(Row r) {
        return !r.result().isAvailable() || (r.ret() != OK && r.result().isOk());
    }

    /** The flags' categories, or for a handshake that failed before verifying, its error's category. */
    private static String category(Row r) {
        if (failedBeforeVerifying(r)) {
            return MbedTlsError.category(r.ret()).map(c -> c.tag() + " (error code)").orElse("");
        }
        return String.join(", ", r.result().categoryTags());
    }

    private String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Certificate validation corpus: what Mbed TLS reports\n\n");
        md.append("<!-- Generated by VerifyCorpusTest (mvn verify); do not edit by hand. -->\n\n");
        md.append("Generated by `VerifyCorpusTest` against Mbed TLS ").append(MbedTls.version())
                .append(": each case's chain is served by `openssl s_server` on 127.0.0.1, and both the binding and ")
                .append("the C client `native/tools/verify_client` (the guide's sequence, `MBEDTLS_SSL_VERIFY_OPTIONAL`) ")
                .append("connect to it; the test asserts they report the same handshake result, flags and verify info. ")
                .append("The certificates are generated at test time by `VerifyCorpus` (`src/test/java/.../testing/`). ")
                .append("The same corpus on the other LTS line: ")
                .append(byLine("[Mbed TLS 3.6](verify-corpus.md)", "[Mbed TLS 2.28](verify-corpus-2.28.md)"))
                .append("; `VerifyCorpusTest` records, case by case, why the lines differ.\n\n");
        md.append("Columns: **Handshake** is `mbedtls_ssl_handshake`'s result in optional mode; **Flags** is ")
                .append("`mbedtls_ssl_get_verify_result`; **Verify info** is `mbedtls_x509_crt_verify_info`; ")
                .append("**Category** is the flags' x509errors.org category (for a chain Mbed TLS cannot parse, its error code's); **Required mode** is how the handshake ")
                .append("fails with `MBEDTLS_SSL_VERIFY_REQUIRED`; **Offline** is `X509Crt.verify` ")
                .append("(`mbedtls_x509_crt_verify_with_profile`, default profile), which does not add the TLS layer's ")
                .append("keyUsage/extendedKeyUsage checks.\n\n");
        md.append("| Case | Description | Handshake | Flags | Mbed TLS flags | Verify info | Category | Required mode | Offline |\n");
        md.append("|---|---|---|---|---|---|---|---|---|\n");
        for (VerifyCorpus.Case c : corpus.values()) {
            Row r = rows.get(c.id());
            if (r == null) {
                md.append("| `").append(c.id()).append("` | ").append(c.title()).append(" | (failed) | | | | | | |\n");
                continue;
            }
            List<String> links = new ArrayList<>();
            for (VerifyFlag f : r.result().flagSet()) {
                links.add("[`" + f.mbedtlsName() + "`](" + f.documentationUrl() + ")");
            }
            if (r.result().unknownBits() != 0) {
                links.add("unknown " + hex(r.result().unknownBits()));
            }
            md.append("| `").append(c.id()).append("` | ").append(c.title())
                    .append(" | ").append(r.ret() == 0 ? "0" : codeName(r.ret()))
                    .append(" | `").append(hex(r.result().flags())).append('`')
                    .append(" | ").append(!r.result().isAvailable() ? "no verification result"
                            : failedBeforeVerifying(r) ? "none (the handshake failed before verifying)"
                            : links.isEmpty() ? "none" : String.join("<br>", links))
                    .append(" | ").append(r.result().isAvailable() ? r.result().info().strip().replace("\n", "<br>") : "")
                    .append(" | ").append(category(r))
                    .append(" | ").append(r.required())
                    .append(" | ").append(r.offline()).append(" |\n");
        }
        md.append("\nCategories and links follow [x509errors.org](https://x509errors.org/mbedtls)'s filing of Mbed TLS's flags.\n");
        return md.toString();
    }
}
