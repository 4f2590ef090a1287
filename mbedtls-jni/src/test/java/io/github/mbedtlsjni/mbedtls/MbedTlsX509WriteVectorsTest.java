package io.github.mbedtlsjni.mbedtls;


import io.github.mbedtlsjni.testing.MbedTlsSuite;
import io.github.mbedtlsjni.testing.MbedTlsSuite.Case;
import io.github.mbedtlsjni.testing.MbedTlsSuite.NotExpressible;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Mbed TLS's own X.509 writing vectors ({@code tests/suites/test_suite_x509write.data} of the
 * source this build fetched) run through {@link X509CsrWriter} and {@link X509CrtWriter}: every
 * case of the functions below whose {@code depends_on} options this build has. Written bytes are
 * compared with the vector's expected file byte for byte (PEM, and the DER the PEM carries); an
 * ECDSA-signed certificate, which Mbed TLS's own test verifies rather than compares, is verified
 * against the vector's CA. Counts of cases run, passed, skipped (options) and not run (with the
 * reason) are printed per function.
 *
 * <p>Functions: {@code x509_csr_check}, {@code x509_crt_check}, {@code x509_set_serial_check} and
 * {@code mbedtls_x509_string_to_names} (through a certificate's subject, read back with
 * {@link X509Crt#subject}). Not expressible: {@code x509_csr_check_opaque} (PSA opaque keys) and
 * {@code x509_set_extension_length_check} (a raw extension of a length no Java array has).
 */
class MbedTlsX509WriteVectorsTest {
    private static final List<String> FUNCTIONS = List.of("x509_csr_check", "x509_crt_check", "x509_set_serial_check",
            "mbedtls_x509_string_to_names", "x509_string_to_names", "x509_csr_check_opaque", "x509_set_extension_length_check");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

    private static Entropy entropy;
    private static CtrDrbg rng;
    private MbedTlsSuite suite;

    @BeforeAll
    static void seed() {
        entropy = new Entropy();
        rng = new CtrDrbg();
        rng.seed(entropy, "MbedTlsX509WriteVectorsTest");
    }

    @AfterAll
    static void free() {
        rng.close();
        entropy.close();
    }

    @Test
    void mbedTlsOwnWriteVectorsGiveTheirExpectedBytes() throws Exception {
        suite = MbedTlsSuite.load("test_suite_x509write");
        suite.runAll(FUNCTIONS, this::run, 30); // 2.28.3 has 34 runnable cases, 3.6.7 71
    }

    private String run(Case c) throws Exception {
        List<String> a = c.args();
        switch (c.function()) {
            case "x509_csr_check":
                return csr(a);
            case "x509_crt_check":
                return crt(a);
            case "x509_set_serial_check":
                return serialCheck();
            case "mbedtls_x509_string_to_names":
            case "x509_string_to_names":
                return stringToNames(a);
            case "x509_csr_check_opaque":
                throw new NotExpressible("a PSA opaque key");
            case "x509_set_extension_length_check":
                throw new NotExpressible("a raw extension of a length no Java array has");
            default:
                throw new AssertionError(c.function());
        }
    }

    /** {@code x509_csr_check:key_file:check_file:md:key_usage:set_key_usage:cert_type:set_cert_type[:set_extension]}. */
    private String csr(List<String> a) throws Exception {
        if (suite.satisfied("MBEDTLS_USE_PSA_CRYPTO")) {
            throw new NotExpressible("with MBEDTLS_USE_PSA_CRYPTO Mbed TLS's test verifies instead of comparing");
        }
        X509CsrWriter w = new X509CsrWriter().subject("C=NL,O=PolarSSL,CN=PolarSSL Server 1").digest(digest(a.get(2)));
        if (suite.value(a.get(4)) != 0) {
            w.keyUsage(suite.value(a.get(3)));
        }
        if (suite.value(a.get(6)) != 0) {
            w.nsCertType(suite.value(a.get(5)));
        }
        if (a.size() > 7 && suite.value(a.get(7)) != 0) {
            // The C test's extendedKeyUsage (serverAuth); from 3.5 also its subjectAltName list
            // uri -> ip -> dn -> dns -> mail, which Mbed TLS writes last to first.
            w.extendedKeyUsage("1.3.6.1.5.5.7.3.1");
        }
        if (a.size() > 7 && suite.value(a.get(7)) != 0 && !MbedTlsVersions.is2()) {
            w.subjectAltName(SubjectAltName.Type.RFC822_NAME, "mail@example.com")
                    .subjectAltName(SubjectAltName.Type.DNS_NAME, "example.com")
                    .subjectAltName(SubjectAltName.Type.DIRECTORY_NAME, "C=UK,O=Mbed TLS,CN=Mbed TLS directoryName SAN")
                    .subjectAltName(SubjectAltName.Type.IP_ADDRESS, "127.0.0.1")
                    .subjectAltName(SubjectAltName.Type.URI, "http://pki.example.com");
        }
        try (PkContext key = key(a.get(0), "")) {
            return same(Files.readAllBytes(suite.file(a.get(1))), w.writePem(key, rng), w.writeDer(key, rng));
        }
    }

    /** The 22 (3.6) or fewer (2.28) arguments of {@code x509_crt_check}, as its C function uses them. */
    private String crt(List<String> a) throws Exception {
        boolean v3Args = a.size() >= 22; // 3.6: ..., cert_verify_file, set_subjectAltNames
        int i = 0;
        String subjectKey = a.get(i++);
        String subjectPwd = MbedTlsSuite.unquote(a.get(i++));
        String subjectName = MbedTlsSuite.unquote(a.get(i++));
        String issuerKey = a.get(i++);
        String issuerPwd = MbedTlsSuite.unquote(a.get(i++));
        String issuerName = MbedTlsSuite.unquote(a.get(i++));
        String serialArg = a.get(i++);
        String notBefore = MbedTlsSuite.unquote(a.get(i++));
        String notAfter = MbedTlsSuite.unquote(a.get(i++));
        VerifyProfile.Hash md = digest(a.get(i++));
        int keyUsage = suite.value(a.get(i++));
        boolean setKeyUsage = suite.value(a.get(i++)) != 0;
        String extKeyUsage = v3Args ? MbedTlsSuite.unquote(a.get(i++)) : "NULL";
        int certType = suite.value(a.get(i++));
        boolean setCertType = suite.value(a.get(i++)) != 0;
        boolean authIdent = suite.value(a.get(i++)) != 0;
        int ver = suite.value(a.get(i++));
        String checkFile = MbedTlsSuite.unquote(a.get(i++));
        int pkWrap = suite.value(a.get(i++));
        boolean isCa = suite.value(a.get(i++)) != 0;
        String verifyFile = i < a.size() ? MbedTlsSuite.unquote(a.get(i++)) : "";
        boolean san = i < a.size() && suite.value(a.get(i++)) != 0;
        if (pkWrap == 2) {
            throw new NotExpressible("a PSA opaque issuer key");
        }
        // pkWrap 1 (RSA_ALT) wraps the same RSA key: the signature, so the bytes, are the same.

        X509CrtWriter w = new X509CrtWriter().subject(subjectName).issuer(issuerName).serial(serial(serialArg, !v3Args))
                .validity(instant(notBefore), instant(notAfter)).digest(md);
        if (ver != -1) {
            w.version(ver + 1); // MBEDTLS_X509_CRT_VERSION_1 is 0
        }
        if (ver == -1 || ver + 1 >= 3) {
            w.basicConstraints(isCa, isCa ? -1 : 0).subjectKeyIdentifier();
            if (authIdent) {
                w.authorityKeyIdentifier();
            }
            if (setKeyUsage) {
                w.keyUsage(keyUsage);
            }
            if (setCertType) {
                w.nsCertType(certType);
            }
            if (extKeyUsage.equals("serverAuth")) {
                w.extendedKeyUsage("1.3.6.1.5.5.7.3.1");
            } else if (extKeyUsage.equals("codeSigning,timeStamping")) {
                w.extendedKeyUsage("1.3.6.1.5.5.7.3.3", "1.3.6.1.5.5.7.3.8");
            } else if (!extKeyUsage.equals("NULL")) {
                throw new NotExpressible("extendedKeyUsage " + extKeyUsage);
            }
        }
        if (san) {
            // The C test's list uri -> ip -> dn -> dns -> mail, which Mbed TLS writes last to first.
            w.subjectAltName(SubjectAltName.Type.RFC822_NAME, "mail@example.com")
                    .subjectAltName(SubjectAltName.Type.DNS_NAME, "example.com")
                    .subjectAltName(SubjectAltName.Type.DIRECTORY_NAME, "C=UK,O=Mbed TLS,CN=SubjectAltName test")
                    .subjectAltName(SubjectAltName.Type.IP_ADDRESS, "1.2.3.4")
                    .subjectAltName(SubjectAltName.Type.URI, "http://pki.example.com");
        }
        try (PkContext subject = key(subjectKey, subjectPwd); PkContext issuer = key(issuerKey, issuerPwd)) {
            byte[] pem = w.writePem(subject, issuer, rng);
            byte[] der = w.writeDer(subject, issuer, rng);
            if (!issuer.name().equals("RSA")) {
                // ECDSA signatures differ per run unless deterministic: Mbed TLS's test verifies.
                try (X509Crt written = new X509Crt(); X509Crt trusted = new X509Crt()) {
                    written.parse(pem);
                    trusted.parseFile(suite.tests().resolve(verifyFile));
                    int flags = written.verify(trusted, null, null).flags();
                    return flags == 0 ? null : "verify flags " + MbedTlsSuite.hex(flags);
                }
            }
            if (!checkFile.isEmpty()) {
                return same(Files.readAllBytes(suite.tests().resolve(checkFile)), pem, der);
            }
            // No file: Mbed TLS's test checks the times' encoding (UTCTime before 2050).
            return times(der, notBefore, notAfter);
        }
    }

    /** {@code x509_set_serial_check}: a serial one byte over MBEDTLS_X509_RFC5280_MAX_SERIAL_LEN (3.6: 20, 2.28: 32) is refused. */
    private String serialCheck() {
        byte[] serial = new byte[suite.value("MBEDTLS_X509_RFC5280_MAX_SERIAL_LEN") + 1];
        Arrays.fill(serial, (byte) 1);
        try (PkContext key = key("\"" + ecKeyFile() + "\"", "")) {
            X509CrtWriter w = new X509CrtWriter().subject("CN=x").serial(serial).validity(Instant.EPOCH, Instant.EPOCH);
            try {
                w.writeDer(key, key, rng);
                return "a " + serial.length + "-byte serial was written";
            } catch (MbedTlsException e) {
                int expected = suite.value("MBEDTLS_ERR_X509_BAD_INPUT_DATA");
                return e.code() == expected ? null : "code " + MbedTlsSuite.hex(e.code()) + ", expected " + MbedTlsSuite.hex(expected);
            }
        }
    }

    /** {@code mbedtls_x509_string_to_names:name:parsed_name:result:may_fail}, through a certificate's subject. */
    private String stringToNames(List<String> a) {
        String name = MbedTlsSuite.unquote(a.get(0));
        String parsed = MbedTlsSuite.unquote(a.get(1));
        int result = suite.value(a.get(2));
        // MAY_FAIL_GET_NAME (1) and MAY_FAIL_DN_GETS (2) are the C test's own macros.
        int mayFail = a.size() > 3 ? mayFail(a.get(3)) : 0;
        if (name.isBlank()) {
            throw new NotExpressible("an empty name, which the writers refuse before Mbed TLS");
        }
        try (PkContext key = key("\"" + ecKeyFile() + "\"", ""); X509Crt crt = new X509Crt()) {
            byte[] der;
            try {
                der = new X509CrtWriter().subject(name).issuer("CN=issuer").serial(new byte[] {1})
                        .validity(Instant.EPOCH, Instant.EPOCH).writeDer(key, key, rng);
            } catch (MbedTlsException e) {
                return e.code() == result ? null : "code " + MbedTlsSuite.hex(e.code()) + ", expected " + MbedTlsSuite.hex(result);
            }
            if (result != 0) {
                return "written, expected " + MbedTlsSuite.hex(result);
            }
            try {
                crt.parseDer(der);
            } catch (MbedTlsException e) {
                return (mayFail & 1) != 0 ? null : "the written name does not parse: " + e.getMessage();
            }
            String subject;
            try {
                subject = crt.subject(0);
            } catch (MbedTlsException e) {
                return (mayFail & 2) != 0 ? null : "mbedtls_x509_dn_gets failed: " + e.getMessage();
            }
            return subject.equals(parsed) ? null : "subject \"" + subject + "\", expected \"" + parsed + "\"";
        }
    }

    private int mayFail(String arg) {
        int v = 0;
        for (String part : arg.split("\\|")) {
            String p = part.strip();
            v |= p.equals("MAY_FAIL_GET_NAME") ? 1 : p.equals("MAY_FAIL_DN_GETS") ? 2 : suite.value(p);
        }
        return v;
    }

    private String ecKeyFile() {
        for (String f : List.of("../framework/data_files/server5.key", "data_files/server5.key")) {
            if (Files.exists(suite.tests().resolve(f))) {
                return f;
            }
        }
        throw new NotExpressible("no server5.key");
    }

    private PkContext key(String quotedFile, String password) {
        PkContext key = new PkContext();
        try {
            key.parseKeyFile(suite.file(quotedFile), password.isEmpty() ? null : password.toCharArray(), rng);
            return key;
        } catch (RuntimeException e) {
            key.close();
            throw e;
        }
    }

    /** The Hash an {@code MBEDTLS_MD_*} argument names (an enumerator, which the preprocessor does not see). */
    private static VerifyProfile.Hash digest(String arg) {
        String name = arg.strip();
        if (!name.startsWith("MBEDTLS_MD_")) {
            throw new NotExpressible("digest " + arg);
        }
        try {
            return VerifyProfile.Hash.valueOf(name.substring("MBEDTLS_MD_".length()));
        } catch (IllegalArgumentException e) {
            throw new NotExpressible("digest " + arg);
        }
    }

    /** 3.6: the serial's bytes in hex ({@code data_t}); 2.28: a decimal string (mbedtls_mpi_read_string). */
    private static byte[] serial(String arg, boolean decimal) {
        String s = MbedTlsSuite.unquote(arg);
        if (decimal) {
            byte[] b = new java.math.BigInteger(s).toByteArray();
            return b.length > 1 && b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b;
        }
        return HexFormat.of().parseHex(s);
    }

    private static Instant instant(String yyyyMMddHHmmss) {
        return LocalDateTime.parse(yyyyMMddHHmmss, TIME).toInstant(ZoneOffset.UTC);
    }

    /** Null if {@code pem} is the expected file byte for byte and {@code der} what that PEM carries. */
    private static String same(byte[] expected, byte[] pem, byte[] der) {
        if (!Arrays.equals(expected, pem)) {
            return "PEM differs:\n--- expected\n" + new String(expected, StandardCharsets.US_ASCII) + "--- written\n"
                    + new String(pem, StandardCharsets.US_ASCII);
        }
        String text = new String(pem, StandardCharsets.US_ASCII);
        String body = text.substring(text.indexOf('\n') + 1, text.indexOf("-----END"));
        byte[] carried = Base64.getMimeDecoder().decode(body);
        return Arrays.equals(carried, der) ? null : "DER differs from the PEM's";
    }

    /** The times as Mbed TLS's test checks them: UTCTime (2-digit year) before 2050, GeneralizedTime from 2050. */
    private static String times(byte[] der, String notBefore, String notAfter) {
        for (String t : List.of(notBefore, notAfter)) {
            boolean generalized = t.compareTo("2050") >= 0;
            String text = (generalized ? t : t.substring(2)) + "Z";
            byte[] encoded = new byte[text.length() + 2];
            encoded[0] = (byte) (generalized ? 0x18 : 0x17);
            encoded[1] = (byte) text.length();
            System.arraycopy(text.getBytes(StandardCharsets.US_ASCII), 0, encoded, 2, text.length());
            if (indexOf(der, encoded) < 0) {
                return "no " + (generalized ? "GeneralizedTime " : "UTCTime ") + text;
            }
        }
        return null;
    }

    private static int indexOf(byte[] data, byte[] part) {
        outer:
        for (int i = 0; i + part.length <= data.length; i++) {
            for (int j = 0; j < part.length; j++) {
                if (data[i + j] != part[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
