package io.github.mbedtlsjni;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.VerifyFlag;
import io.github.mbedtlsjni.mbedtls.VerifyResult;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import io.github.mbedtlsjni.testing.ExactChainServer;
import io.github.mbedtlsjni.testing.GuideClient;
import io.github.mbedtlsjni.testing.JdkRefused;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.NativeVerifyClient;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import io.github.mbedtlsjni.testing.VerifyCorpus;
import java.io.ByteArrayInputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Certificates that Mbed TLS accepts and the JDK's parser refuses ({@link JdkRefused}): whatever
 * the JDK makes of them, every layer reports exactly what Mbed TLS decided, the same as the C
 * client {@code native/tools/verify_client.c} connecting to the same server.
 *
 * <ul>
 *   <li>The JDK refuses each kind, Mbed TLS parses it, and {@link X509Crt} reads everything from
 *       Mbed TLS; {@link X509Crt#toX509Certificate} fails with a {@link CertificateException}
 *       that names the certificate.
 *   <li>A server sends exactly such a chain ({@link ExactChainServer}, TLS 1.2 and 1.3): the C
 *       client, {@link SslContext} (the guide's steps) and {@link TlsClient} in optional mode get
 *       the same handshake result, flags and verify info; in required mode {@code TlsClient}
 *       connects exactly when Mbed TLS verified the chain; offline, {@link X509Crt#verify} says
 *       the same. {@link TlsConnection#peerCertificates()} is where the JDK's refusal shows.
 *   <li>The JDK's parser run over the fuzz inputs and the verify corpus finds no other kind;
 *       over random mutations of valid certificates (seeded, the seed printed), every refusal of
 *       a certificate Mbed TLS parsed is reported as such and the certificate read through Mbed TLS.
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdkRefusedCertificatesTest {
    private static final String HOST = TestPki.SERVER_NAME;
    private static final int USAGE_FLAGS = VerifyFlag.BADCERT_KEY_USAGE.bit() | VerifyFlag.BADCERT_EXT_KEY_USAGE.bit();

    @TempDir
    static Path dir;

    private TestPki pki;

    @BeforeAll
    void setUp() {
        pki = TestPki.create(dir, KeyType.EC_P256, "Refused");
        NativeVerifyClient.program();
    }

    static Stream<Arguments> kindsAndProtocols() {
        List<Arguments> all = new ArrayList<>();
        for (JdkRefused kind : JdkRefused.values()) {
            for (TlsProtocol protocol : TlsProtocol.values()) {
                all.add(Arguments.of(kind, protocol));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(JdkRefused.class)
    void theJdkRefusesWhatMbedTlsParsesAndReads(JdkRefused kind) throws Exception {
        byte[] leaf = kind.leaf(pki);
        CertificateException jdk = assertThrows(CertificateException.class,
                () -> CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(leaf)),
                "the JDK refuses " + kind.description());
        try (X509Crt chain = new X509Crt()) {
            for (byte[] der : kind.chain(pki)) {
                chain.parseDer(der); // Mbed TLS does not
            }
            assertEquals(2, chain.size());
            assertArrayEquals(leaf, chain.der(0), "the DER is kept as parsed");
            assertEquals(chain.subject(1), chain.issuer(0), "issuer and subject, as Mbed TLS prints them");
            assertEquals(subject(kind), chain.subject(0), "as mbedtls_x509_dn_gets prints it");
            Instant from = chain.validFrom(0);
            Instant to = chain.validTo(0);
            assertTrue(from.isBefore(Instant.now()) && to.isAfter(Instant.now()), from + " to " + to);
            if (kind != JdkRefused.EMPTY_SUBJECT_NO_SAN) {
                assertEquals(pki.leaf().certificate().getNotBefore().toInstant(), from, "Mbed TLS's valid_from");
                assertEquals(pki.leaf().certificate().getNotAfter().toInstant(), to, "Mbed TLS's valid_to");
            }

            CertificateException e = assertThrows(CertificateException.class, () -> chain.toX509Certificate(0));
            assertTrue(e.getMessage().startsWith("the JDK cannot parse certificate [0] ("), e.getMessage());
            assertTrue(e.getMessage().contains("(" + (subject(kind).isEmpty() ? "empty subject" : subject(kind)) + ")"),
                    e.getMessage());
            assertEquals(jdk.getMessage(), e.getCause().getMessage(), "the JDK's reason is the cause");
            assertThrows(CertificateException.class, chain::toX509Certificates);
            assertEquals(pki.intermediate().certificate(), chain.toX509Certificate(1), "the intermediate converts");
        }
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("kindsAndProtocols")
    void everyLayerReportsWhatNativeMbedTlsReports(JdkRefused kind, TlsProtocol protocol) throws Exception {
        if (protocol == TlsProtocol.TLS_1_3) {
            MbedTlsVersions.assumeTls13();
        }
        List<byte[]> sent = kind.chain(pki);
        try (JsseServer server = JsseServer.builder(ExactChainServer.context(sent, pki.leaf(), pki.intermediate()))
                .protocols(protocol).start()) {
            NativeVerifyClient.Outcome nat = NativeVerifyClient.run(server.port(), pki.rootPem(), null, HOST);
            assertEquals(0, nat.ret(), "native Mbed TLS completes the handshake: " + nat);

            // The guide's steps: SslContext.
            try (GuideClient c = GuideClient.prepare(pki.rootPem(), null, AuthMode.OPTIONAL, null, null)) {
                c.connect(server.port(), HOST);
                assertEquals(protocol.protocolName(), c.ssl.protocol());
                assertVerifyResult(nat, c.ssl.verifyResult(), "SslContext");
                try (X509Crt peer = c.ssl.peerCertificates()) {
                    assertArrayEquals(sent.get(0), peer.der(0), "the server sent exactly the bytes given");
                }
                c.send("ping\n");
                assertEquals("ping\n", c.receive(5));
                c.ssl.closeNotify();
            }

            // TlsClient, optional mode: the connection opens whatever the JDK thinks.
            try (TlsClient optional = TlsClient.builder().trustPemFile(pki.rootPem()).authMode(AuthMode.OPTIONAL).build();
                    TlsConnection c = optional.connect(HOST, server.port())) {
                assertVerifyResult(nat, c.verifyResult(), "TlsConnection");
                c.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("hello\n", new String(c.getInputStream().readNBytes(6), StandardCharsets.US_ASCII));
                try (X509Crt peer = c.peerChain()) {
                    assertArrayEquals(sent.get(0), peer.der(0));
                    assertArrayEquals(sent.get(1), peer.der(1));
                    assertEquals(peer.subject(1), peer.issuer(0));
                    assertNotNull(peer.validTo(0));
                }
                CertificateException e = assertThrows(CertificateException.class, c::peerCertificates);
                assertTrue(e.getMessage().contains("certificate [0]"), e.getMessage());
                assertEquals(e.getMessage(), assertThrows(CertificateException.class, c::peerCertificates).getMessage(),
                        "asked again, the same answer");
            }

            // TlsClient, required mode: connects exactly when Mbed TLS verified the chain.
            try (TlsClient required = TlsClient.builder().trustPemFile(pki.rootPem()).build()) {
                if (nat.flags() == 0) {
                    try (TlsConnection c = required.connect(HOST, server.port())) {
                        assertTrue(c.verifyResult().isOk(), c.verifyResult()::describe);
                    }
                } else {
                    TlsException e = assertThrows(TlsException.class, () -> required.connect(HOST, server.port()).close());
                    assertTrue(e.isCertificateVerificationFailure(), e::getMessage);
                    assertVerifyResult(nat, e.verifyResult(), "TlsException");
                }
            }

            // Offline, the same chain.
            try (X509Crt chain = new X509Crt(); X509Crt ca = X509Crt.of(pki.root().der())) {
                for (byte[] der : sent) {
                    chain.parseDer(der);
                }
                VerifyResult offline = chain.verify(ca, null, HOST);
                assertEquals(String.format("0x%08X", nat.flags() & ~USAGE_FLAGS), String.format("0x%08X", offline.flags()),
                        offline::describe);
            }
        }
    }

    /** The leaf's subject as Mbed TLS prints it (an attribute type it does not know is "??"). */
    private static String subject(JdkRefused kind) {
        switch (kind) {
            case EMPTY_SUBJECT_NO_SAN:
                return "";
            case UNENDED_NAME_OID:
                return "CN=" + HOST + ", ??=x";
            default:
                return "CN=" + HOST;
        }
    }

    private static void assertVerifyResult(NativeVerifyClient.Outcome nat, VerifyResult java, String layer) {
        assertEquals(String.format("0x%08X", nat.flags()), String.format("0x%08X", java.flags()), layer + ": flags, C vs Java");
        assertEquals(nat.info(), java.info(), layer + ": verify info, C vs Java");
    }

    // ---- where the kinds come from ---------------------------------------------------------------

    /** One certificate Mbed TLS parsed and the JDK did not. */
    record Finding(String source, int index, String jdkReason) {}

    @Test
    void theJdkParserOverTheFuzzInputsAndTheCorpusFindsOnlyTheKnownKinds() throws Exception {
        Map<String, byte[]> inputs = new LinkedHashMap<>();
        for (Path root : fuzzInputDirectories()) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                    inputs.put("fuzz " + root.relativize(f), Files.readAllBytes(f));
                }
            }
        }
        int fuzzInputs = inputs.size();
        assertTrue(fuzzInputs > 0, "the committed Jazzer inputs are on the class path");
        Map<String, VerifyCorpus.Case> corpus = VerifyCorpus.generate(dir.resolve("corpus"));
        for (VerifyCorpus.Case c : corpus.values()) {
            inputs.put("corpus " + c.id(), Files.readAllBytes(c.chainPem()));
        }
        for (JdkRefused kind : JdkRefused.values()) {
            inputs.put("mutation " + kind.id(), kind.leaf(pki));
        }

        List<Finding> findings = new ArrayList<>();
        int certificates = 0;
        for (Map.Entry<String, byte[]> input : inputs.entrySet()) {
            try (X509Crt crt = new X509Crt()) {
                try {
                    crt.parse(input.getValue());
                } catch (MbedTlsException notACertificate) {
                    continue;
                }
                for (int i = 0; i < crt.size(); i++) {
                    certificates++;
                    try {
                        CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(crt.der(i)));
                        continue;
                    } catch (CertificateException | RuntimeException refused) {
                        findings.add(new Finding(input.getKey(), i, String.valueOf(refused.getMessage())));
                    }
                    assertRefusalReportedAndMbedTlsReads(crt, i, input.getKey());
                }
            }
        }
        StringBuilder table = new StringBuilder("Mbed TLS parses, the JDK refuses (" + findings.size() + " of "
                + certificates + " certificates from " + inputs.size() + " inputs, " + fuzzInputs + " of them fuzz inputs):\n");
        for (Finding f : findings) {
            table.append("  ").append(f.source()).append(" [").append(f.index()).append("]: ").append(f.jdkReason()).append('\n');
        }
        System.out.print(table);

        Set<String> refusedCorpusCases = new TreeSet<>();
        Set<String> refusedMutations = new TreeSet<>();
        for (Finding f : findings) {
            if (f.source().startsWith("corpus ")) {
                refusedCorpusCases.add(f.source().substring("corpus ".length()));
            } else if (f.source().startsWith("mutation ")) {
                refusedMutations.add(f.source().substring("mutation ".length()));
            }
        }
        Set<String> kinds = new TreeSet<>();
        for (JdkRefused kind : JdkRefused.values()) {
            kinds.add(kind.id());
        }
        assertEquals(kinds, refusedMutations, "every kind splits Mbed TLS and the JDK:\n" + table);
        assertEquals(Set.of(JdkRefused.EMPTY_SUBJECT_NO_SAN.id(), JdkRefused.UTCTIME_WITHOUT_Z.id()), refusedCorpusCases,
                "the corpus cases the JDK refuses are the known kinds (a new one belongs in JdkRefused):\n" + table);
    }

    /**
     * The binding reports the JDK's refusal of certificate {@code i} where asked, naming it, and
     * still reads the certificate through Mbed TLS.
     */
    private static void assertRefusalReportedAndMbedTlsReads(X509Crt crt, int i, String what) {
        CertificateException e = assertThrows(CertificateException.class, () -> crt.toX509Certificate(i), what);
        assertTrue(e.getMessage().startsWith("the JDK cannot parse certificate [" + i + "] ("), e.getMessage());
        assertNotNull(e.getCause(), "the JDK's reason");
        assertNotNull(crt.validFrom(i), what);
        assertNotNull(crt.validTo(i), what);
        assertTrue(crt.der(i).length > 0, what);
        for (boolean subject : new boolean[] {true, false}) {
            try {
                assertNotNull(subject ? crt.subject(i) : crt.issuer(i));
            } catch (MbedTlsException unprintable) {
                // documented: a name Mbed TLS parsed but does not print
            }
        }
    }

    /**
     * Random changes to valid certificates, as the fuzzers make them: whatever Mbed TLS parses and
     * the JDK refuses is reported as such, naming the certificate, and read through Mbed TLS. The
     * run prints its seed and the JDK's reasons it met; {@code -Dmbedtlsjni.seed=N} replays it,
     * {@code -Dmbedtlsjni.mutations=N} makes it longer.
     */
    @Test
    void randomMutationsThatMbedTlsParsesAreReportedWhateverTheJdkSays() throws Exception {
        long seed = Long.getLong("mbedtlsjni.seed", new SecureRandom().nextLong());
        int mutations = Integer.getInteger("mbedtlsjni.mutations", 20_000);
        System.out.println("JdkRefusedCertificatesTest: seed=" + seed + " mutations=" + mutations
                + " (replay: -Dmbedtlsjni.seed=" + seed + ")");
        Random random = new Random(seed);
        TestPki rsa = TestPki.create(dir.resolve("mutations"), KeyType.RSA_2048, "Mutated");
        List<byte[]> originals = List.of(pki.leaf().der(), pki.intermediate().der(), pki.root().der(), rsa.leaf().der(),
                rsa.intermediate().der());
        byte[] choices = {0x00, (byte) 0x80, (byte) 0xFF, 0x01, 0x7F, 0x30, 0x31, 0x0C, 0x13, 0x17, 0x18, (byte) 0xA2};
        Map<String, Integer> reasons = new TreeMap<>();
        int parsed = 0;
        for (int m = 0; m < mutations; m++) {
            byte[] der = originals.get(random.nextInt(originals.size())).clone();
            for (int k = 1 + random.nextInt(3); k > 0; k--) {
                int at = 4 + random.nextInt(der.length - 4);
                switch (random.nextInt(3)) {
                    case 0: der[at] ^= (byte) (1 << random.nextInt(8)); break;
                    case 1: der[at] = choices[random.nextInt(choices.length)]; break;
                    default: der[at] = (byte) random.nextInt(256);
                }
            }
            try (X509Crt crt = new X509Crt()) {
                try {
                    crt.parseDer(der);
                } catch (MbedTlsException refused) {
                    continue;
                }
                parsed++;
                try {
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
                } catch (CertificateException | RuntimeException e) {
                    reasons.merge(String.valueOf(e.getMessage()).replaceAll("[0-9]+", "N"), 1, Integer::sum);
                    assertRefusalReportedAndMbedTlsReads(crt, 0, "mutation " + m + " of seed " + seed);
                }
            }
        }
        System.out.println("JdkRefusedCertificatesTest: Mbed TLS parsed " + parsed + " of " + mutations
                + " mutations; the JDK refused " + reasons.values().stream().mapToInt(Integer::intValue).sum()
                + " of those: " + reasons);
        assertTrue(parsed > 0, "some mutations leave a certificate Mbed TLS parses (seed " + seed + ")");
    }

    /**
     * The Jazzer inputs of the certificate fuzz test on the class path (committed crashes and
     * generated seeds), and the corpora fuzzing runs left behind: Jazzer's
     * {@code .cifuzz-corpus} and the native harness's {@code target/fuzz-corpus/x509_crt}.
     */
    private static List<Path> fuzzInputDirectories() throws URISyntaxException {
        List<Path> dirs = new ArrayList<>();
        URL inputs = JdkRefusedCertificatesTest.class.getResource("/io/github/mbedtlsjni/fuzz/X509CrtFuzzTestInputs");
        if (inputs != null) {
            dirs.add(Path.of(inputs.toURI()));
        }
        Path base = Path.of(System.getProperty("mbedtlsjni.basedir", "."));
        for (Path corpus : List.of(base.resolve(".cifuzz-corpus"), base.resolve("../target/fuzz-corpus/x509_crt"))) {
            if (Files.isDirectory(corpus)) {
                dirs.add(corpus.normalize());
            }
        }
        return dirs;
    }
}
