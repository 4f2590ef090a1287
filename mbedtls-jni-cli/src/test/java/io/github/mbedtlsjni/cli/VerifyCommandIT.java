package io.github.mbedtlsjni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.VerifyProfile;
import io.github.mbedtlsjni.mbedtls.VerifyResult;
import io.github.mbedtlsjni.mbedtls.X509Crl;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import io.github.mbedtlsjni.mbedtls.X509ParseException;
import io.github.mbedtlsjni.testing.ExtKeyUsage;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.Pem;
import io.github.mbedtlsjni.testing.TestCert;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.VerifyCorpus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code verify CHAIN} of the packaged CLI, as a subprocess: over every chain of the verify
 * corpus it reports what Mbed TLS's {@code mbedtls_x509_crt_verify_with_profile} reports in this
 * JVM ({@link X509Crt#verify}, which {@code VerifyCorpusTest} checks against handshakes and the
 * C client): the same flags, flag names, categories and verify info, and the exit status of
 * {@code connect} (0 verified, 1 not, 2 Mbed TLS cannot parse the chain, with its code).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VerifyCommandIT {
    @TempDir
    static Path dir;

    private Map<String, VerifyCorpus.Case> corpus;
    private TestPki rsa;

    @BeforeAll
    void generate() {
        corpus = VerifyCorpus.generate(dir);
        rsa = TestPki.create(dir.resolve("rsa"), KeyType.RSA_2048);
    }

    Stream<String> caseIds() {
        return corpus.keySet().stream();
    }

    private static CliRun cli(String... args) throws Exception {
        return CliRun.of(dir, args);
    }

    /** What Mbed TLS says in this JVM: the result, or the parse failure's code. */
    private static Object inProcess(List<byte[]> chainDer, Path ca, Path crl, String name, VerifyProfile profile) {
        try (X509Crt chain = new X509Crt(); X509Crt trusted = new X509Crt(); X509Crl crls = new X509Crl()) {
            trusted.parseFile(ca);
            if (crl != null) {
                crls.parseFile(crl);
            }
            for (byte[] der : chainDer) {
                try {
                    chain.parseDer(der);
                } catch (X509ParseException e) {
                    return e.code();
                }
            }
            // The CLI's default purpose: what a TLS client checks of a server's certificate.
            return chain.verify(trusted, crl != null ? crls : null, name, profile, X509Crt.Purpose.TLS_SERVER, null);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseIds")
    void reportsWhatMbedTlsReportsForEveryCorpusChain(String id) throws Exception {
        VerifyCorpus.Case c = corpus.get(id);
        List<String> args = new ArrayList<>(List.of("verify", c.chainPem().toString(), "--ca-file", c.caPem().toString(),
                "--server-name", c.hostname(), "--json"));
        if (c.crlPem() != null) {
            args.addAll(List.of("--crl-file", c.crlPem().toString()));
        }
        CliRun run = cli(args.toArray(new String[0]));
        Map<String, Object> json = run.json();
        Object expected = inProcess(c.chainDer(), c.caPem(), c.crlPem(), c.hostname(), VerifyProfile.DEFAULT);
        if (expected instanceof Integer) {
            assertEquals(2, run.status(), "a chain Mbed TLS cannot parse: " + run);
            assertEquals("not run", json.get("verification"));
            assertEquals((long) (int) (Integer) expected, json.get("error_code"), run.toString());
            assertTrue(((String) json.get("error")).contains(MbedTlsException.formatCode((Integer) expected)), run.toString());
            assertFalse(json.containsKey("verify_flags"), run.toString());
            return;
        }
        VerifyResult r = (VerifyResult) expected;
        assertEquals(r.isOk() ? 0 : 1, run.status(), run.toString());
        assertEquals(r.isOk() ? "ok" : "failed", json.get("verification"));
        assertEquals(0L, json.get("error_code"));
        assertEquals((long) r.flags(), json.get("verify_flags"), run.toString());
        assertEquals(r.flagNames(), json.get("verify_flag_names"));
        assertEquals(r.categoryTags(), json.get("verify_categories"));
        assertEquals(r.info().strip(), json.get("verify_info"));
        assertEquals(c.hostname(), json.get("server_name"));
        assertEquals("default", json.get("profile"));
        assertEquals("tls-server", json.get("purpose"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> chain = (List<Map<String, Object>>) json.get("chain");
        assertEquals(c.chainDer().size(), chain.size(), run.toString());
        assertEquals(ConnectCommand.sha256Hex(c.chainDer().get(0)), chain.get(0).get("sha256"));
    }

    @Test
    void textOutputAndProfiles() throws Exception {
        VerifyCorpus.Case expired = corpus.get("expired-leaf");
        CliRun text = cli("verify", expired.chainPem().toString(), "--ca-file", expired.caPem().toString(),
                "--server-name", "localhost");
        assertEquals(1, text.status(), text.toString());
        assertTrue(text.out().contains("Verification: FAILED (flags 0x00000001)"), text.out());
        assertTrue(text.out().contains("MBEDTLS_X509_BADCERT_EXPIRED"), text.out());
        assertTrue(text.out().contains("The certificate validity has expired"), text.out());
        assertTrue(text.out().contains("Chain:        [0] CN=localhost"), text.out());

        // Suite B allows ECDSA only: the RSA chain is refused by that profile, not by the default one.
        Path chain = rsa.serverChainPem();
        for (String profile : List.of("default", "next", "suiteb")) {
            VerifyProfile p = profile.equals("default") ? VerifyProfile.DEFAULT
                    : profile.equals("next") ? VerifyProfile.NEXT : VerifyProfile.SUITE_B;
            VerifyResult expected = (VerifyResult) inProcess(rsaChain(), rsa.rootPem(), null, "localhost", p);
            CliRun run = cli("verify", chain.toString(), "--ca-file", rsa.rootPem().toString(), "--server-name", "localhost",
                    "--profile", profile, "--json");
            assertEquals((long) expected.flags(), run.json().get("verify_flags"), profile + ": " + run);
            assertEquals(expected.isOk() ? 0 : 1, run.status(), run.toString());
            assertEquals(profile, run.json().get("profile"));
        }
        assertFalse(((VerifyResult) inProcess(rsaChain(), rsa.rootPem(), null, "localhost", VerifyProfile.SUITE_B)).isOk(),
                "Suite B refuses RSA");

        // One DER certificate; no name to check. A CA's keyUsage (keyCertSign, cRLSign) is no
        // TLS server's: the default purpose refuses it, --purpose any checks the chain alone.
        Path der = Files.write(dir.resolve("root.der"), rsa.root().der());
        CliRun asServer = cli("verify", der.toString(), "--ca-file", rsa.rootPem().toString(), "--json");
        assertEquals(1, asServer.status(), asServer.toString());
        assertEquals(List.of("MBEDTLS_X509_BADCERT_KEY_USAGE"), asServer.json().get("verify_flag_names"));
        CliRun self = cli("verify", der.toString(), "--ca-file", rsa.rootPem().toString(), "--purpose", "any", "--json");
        assertEquals(0, self.status(), self.toString());
        assertEquals(null, self.json().get("server_name"));
    }

    @Test
    void aCertificateMbedTlsCannotParseIsNamedWithItsCode() throws Exception {
        String leaf = Pem.encode("CERTIFICATE", rsa.leaf().der());
        String broken = "-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydGlmaWNhdGUK\n-----END CERTIFICATE-----\n";
        Path chain = Files.writeString(dir.resolve("broken-chain.pem"), leaf + broken, StandardCharsets.US_ASCII);
        CliRun run = cli("verify", chain.toString(), "--ca-file", rsa.rootPem().toString(), "--json");
        assertEquals(2, run.status(), run.toString());
        Map<String, Object> json = run.json();
        assertEquals("not run", json.get("verification"));
        assertTrue(((Long) json.get("error_code")) < 0, run.toString());
        assertTrue(((String) json.get("error")).startsWith("Mbed TLS cannot parse certificate [1] of " + chain + ": mbedtls_x509_crt_parse: "),
                run.toString());
        assertEquals(1, ((List<?>) json.get("chain")).size(), "the certificate before it was parsed");

        CliRun notPem = cli("verify", rsa.rootPem().resolveSibling("nothing.txt").toString(), "--ca-file", rsa.rootPem().toString());
        assertEquals(64, notPem.status(), "a missing CHAIN is a usage error: " + notPem);
        Path garbage = Files.writeString(dir.resolve("garbage.der"), "garbage");
        CliRun bad = cli("verify", garbage.toString(), "--ca-file", rsa.rootPem().toString());
        assertEquals(2, bad.status(), bad.toString());
        assertTrue(bad.out().contains("Error:        Mbed TLS cannot parse " + garbage + ": mbedtls_x509_crt_parse: -0x"), bad.out());
        assertTrue(bad.out().contains("Verification: not run"), bad.out());
    }

    @Test
    void usageErrorsAreOneLine() throws Exception {
        String chain = rsa.serverChainPem().toString();
        assertUsage("missing CHAIN", cli("verify", "--ca-file", chain));
        assertUsage("--ca-file is required, or --ca-path", cli("verify", chain));
        assertUsage("--profile must be default, next or suiteb, not 'strict'", cli("verify", chain, "--ca-file", chain,
                "--profile", "strict"));
        assertUsage("CHAIN " + dir.resolve("none.pem") + ": no such file", cli("verify", dir.resolve("none.pem").toString(),
                "--ca-file", chain));
        assertUsage("--ca-file " + dir + ": is a directory: use --ca-path DIR for a directory of CA files",
                cli("verify", chain, "--ca-file", dir.toString()));
        assertUsage("--crl-file " + chain + ": mbedtls_x509_crl_parse_file: -0x", cli("verify", chain, "--ca-file", chain,
                "--crl-file", chain));
        assertUsage("--purpose must be tls-server, tls-client or any, not 'sslserver'",
                cli("verify", chain, "--ca-file", chain, "--purpose", "sslserver"));
        assertUsage("--purpose was given twice",
                cli("verify", chain, "--ca-file", chain, "--purpose", "any", "--purpose=any"));
        CliRun help = cli("verify", "--help");
        assertEquals(0, help.status());
        assertEquals(VerifyOptions.USAGE, help.out());
    }

    private static void assertUsage(String start, CliRun run) {
        assertEquals(64, run.status(), run.toString());
        assertEquals("", run.out(), run.toString());
        assertTrue(run.err().startsWith("mbedtls-jni-cli: " + start), run.toString());
        assertTrue(run.err().endsWith(" (see verify --help)\n") && run.err().indexOf('\n') == run.err().length() - 1,
                "one line: " + run);
    }

    /** What {@code rsa.serverChainPem()} holds. */
    private List<byte[]> rsaChain() {
        return List.of(rsa.leaf().der(), rsa.intermediate().der());
    }

    /**
     * A leaf for TLS clients only: verify's default purpose refuses it as a handshake would
     * ({@code BADCERT_EXT_KEY_USAGE}); {@code --purpose tls-client} and {@code any} accept it.
     */
    @Test
    void thePurposeDecidesTheUsageCheck() throws Exception {
        TestCert clientOnly = rsa.serverCert().extendedKeyUsage(ExtKeyUsage.CLIENT_AUTH).issuedBy(rsa.intermediate());
        String chain = rsa.writeChain("client-only.pem", clientOnly, rsa.intermediate()).toString();
        String ca = rsa.rootPem().toString();
        CliRun server = cli("verify", chain, "--ca-file", ca, "--server-name", TestPki.SERVER_NAME, "--json");
        assertEquals(1, server.status(), server.toString());
        assertEquals(List.of("MBEDTLS_X509_BADCERT_EXT_KEY_USAGE"), server.json().get("verify_flag_names"));
        for (String purpose : List.of("tls-client", "any")) {
            CliRun run = cli("verify", chain, "--ca-file", ca, "--server-name", TestPki.SERVER_NAME, "--purpose", purpose);
            assertEquals(0, run.status(), run.toString());
            assertTrue(run.out().contains("Purpose") && run.out().contains(purpose), run.toString());
        }
    }
}
