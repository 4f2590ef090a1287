package io.github.mbedtlsjni.mbedtls;


import io.github.mbedtlsjni.testing.MbedTlsSuite;
import io.github.mbedtlsjni.testing.MbedTlsSuite.Case;
import io.github.mbedtlsjni.testing.MbedTlsSuite.NotExpressible;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Mbed TLS's own X.509 test vectors ({@code tests/suites/test_suite_x509parse.data} of the source
 * this build fetched, with its data files) run through the public Java API: every case of the
 * functions below whose {@code depends_on} options this build has, compared with the vector's
 * expected return code, flags and info text. The options and the values of the macro names in
 * the vectors come from the preprocessor, with the build's own config. The count of cases run,
 * passed, skipped for their options and not run (with the reason: not expressible in the API, or
 * files that have expired since the release) is printed per function.
 *
 * <p>Functions run: {@code x509parse_crt} (DER parse and info), {@code x509parse_crt_file},
 * {@code x509parse_crt_cb} (the suite's certificatePolicies callback, in Java),
 * {@code x509_cert_info}, {@code mbedtls_x509_crt_parse_file}, {@code _parse_path},
 * {@code mbedtls_x509_dn_gets}, {@code x509_parse_san}, {@code mbedtls_x509_get_ca_istrue},
 * {@code x509_crt_parse_subjectkeyid} and {@code _authoritykeyid} (Mbed TLS 3.5 and later),
 * {@code x509parse_crl}, {@code mbedtls_x509_crl_parse}, {@code _info}, {@code x509_verify}
 * (every profile and callback of the suite), {@code x509_verify_callback} (the per-certificate
 * output of its printing callback), {@code mbedtls_x509_crt_verify_chain} (its custom profiles,
 * and a callback failing at given depths), {@code mbedtls_x509_crt_verify_max},
 * {@code x509_check_key_usage}, {@code x509_check_extended_key_usage}, the CSR functions
 * ({@code mbedtls_x509_csr_parse}, {@code _info}, {@code _parse_file},
 * {@code _parse_with_ext_cb}) and {@code x509_verify_info}. The suite's other functions test
 * Mbed TLS's internal helpers (time, OID, name and RSASSA-PSS parameter parsers, the CN-to-IP
 * helper, writing into a parsed name), restartable verification and the trusted-CA callback,
 * which the API does not offer.
 *
 * <p>Skipped for the system's Mbed TLS: its package has no test vectors.
 */
class MbedTlsX509VectorsTest {
    private static final List<String> FUNCTIONS = List.of("x509parse_crt", "x509_cert_info", "mbedtls_x509_crt_parse_file",
            "x509parse_crl", "mbedtls_x509_crl_info", "x509_verify", "x509_check_key_usage", "x509_check_extended_key_usage",
            "mbedtls_x509_csr_parse", "mbedtls_x509_csr_info", "mbedtls_x509_csr_parse_file", "mbedtls_x509_csr_parse_with_ext_cb",
            "x509_verify_info", "x509parse_crt_cb", "mbedtls_x509_crt_verify_chain", "x509_verify_callback", "mbedtls_x509_crt_verify_max",
            "x509_parse_san", "mbedtls_x509_dn_gets", "mbedtls_x509_crt_parse_path", "mbedtls_x509_get_ca_istrue", "mbedtls_x509_crl_parse",
            "x509parse_crt_file", "x509_accessor_ext_types", "x509_crt_parse_subjectkeyid", "x509_crt_parse_authoritykeyid");

    private MbedTlsSuite suite;

    @Test
    void mbedTlsOwnX509VectorsGiveTheirExpectedResults() throws Exception {
        suite = MbedTlsSuite.load("test_suite_x509parse");
        suite.runAll(FUNCTIONS, this::run, 300);
    }

    /** Null if the case gives its expected result, else what differs. */
    private String run(Case c) {
        List<String> a = c.args();
        switch (c.function()) {
            case "x509parse_crt": {
                byte[] der = HexFormat.of().parseHex(unquote(a.get(0)));
                int expected = value(a.get(2));
                try (X509Crt crt = new X509Crt()) {
                    int ret = code(() -> {
                        crt.parseDer(der);
                        return 0;
                    });
                    if (ret != expected) {
                        return "parse " + hex(ret) + ", expected " + hex(expected);
                    }
                    return expected != 0 ? null : same(unquote(a.get(1)), crt.info(0));
                }
            }
            case "x509_cert_info": {
                try (X509Crt crt = new X509Crt()) {
                    crt.parseFile(file(a.get(0)));
                    return same(unquote(a.get(1)), crt.info(0));
                }
            }
            case "mbedtls_x509_crt_parse_file": {
                int expected = value(a.get(1));
                try (X509Crt crt = new X509Crt()) {
                    int ret = code(() -> crt.parseFile(file(a.get(0)))); // > 0: PEM certificates skipped
                    if (ret != expected) {
                        return "parse " + hex(ret) + ", expected " + hex(expected);
                    }
                    return crt.size() == value(a.get(2)) ? null : crt.size() + " certificates, expected " + a.get(2);
                }
            }
            case "x509parse_crl": {
                byte[] der = HexFormat.of().parseHex(unquote(a.get(0)));
                int expected = value(a.get(2));
                // X509Crl.parse is mbedtls_x509_crl_parse, as in the C test.
                return crlCase(der, expected, a.get(1));
            }
            case "mbedtls_x509_crl_info": {
                try (X509Crl crl = new X509Crl()) {
                    crl.parseFile(file(a.get(0)));
                    return same(unquote(a.get(1)), crl.info(0));
                }
            }
            case "x509_verify":
                return verify(a);
            case "x509_check_key_usage": {
                try (X509Crt crt = new X509Crt()) {
                    crt.parseFile(file(a.get(0)));
                    boolean allowed = crt.checkKeyUsage(0, value(a.get(1)));
                    int expected = value(a.get(2));
                    return allowed == (expected == 0) ? null : "checkKeyUsage " + allowed + ", expected " + hex(expected);
                }
            }
            case "x509_check_extended_key_usage": {
                try (X509Crt crt = new X509Crt()) {
                    crt.parseFile(file(a.get(0)));
                    String oid = dotted(HexFormat.of().parseHex(unquote(a.get(1))));
                    boolean allowed = crt.checkExtendedKeyUsage(0, oid);
                    int expected = value(a.get(2));
                    return allowed == (expected == 0) ? null : "checkExtendedKeyUsage " + allowed + ", expected " + hex(expected);
                }
            }
            case "mbedtls_x509_csr_parse": {
                byte[] der = HexFormat.of().parseHex(unquote(a.get(0)));
                return csrCase(csr -> csr.parseDer(der), value(a.get(2)), unquote(a.get(1)));
            }
            case "mbedtls_x509_csr_parse_file":
                return csrCase(csr -> csr.parseFile(file(a.get(0))), value(a.get(2)), unquote(a.get(1)));
            case "mbedtls_x509_csr_info":
                return csrCase(csr -> csr.parseFile(file(a.get(0))), 0, unquote(a.get(1)));
            case "mbedtls_x509_csr_parse_with_ext_cb": {
                byte[] der = HexFormat.of().parseHex(unquote(a.get(0)));
                // The suite's two callbacks: accept everything, or refuse with this code.
                int reject = value("MBEDTLS_ERROR_ADD(MBEDTLS_ERR_X509_INVALID_EXTENSIONS, MBEDTLS_ERR_ASN1_UNEXPECTED_TAG)");
                X509ExtensionCallback cb = value(a.get(3)) != 0 ? (o, d, cr, v) -> 0 : (o, d, cr, v) -> reject;
                return csrCase(csr -> csr.parseDer(der, cb), value(a.get(2)), unquote(a.get(1)));
            }
            case "x509_verify_info": {
                String info = VerifyResult.verifyInfo(value(a.get(0)), unquote(a.get(1)));
                return same(unquote(a.get(2)), info);
            }
            case "x509parse_crt_cb": {
                byte[] der = HexFormat.of().parseHex(unquote(a.get(0)));
                int expected = value(a.get(2));
                try (X509Crt crt = new X509Crt()) {
                    int ret = code(() -> {
                        crt.parseDer(der, this::policiesCallback);
                        return 0;
                    });
                    if (ret != expected) {
                        return "parse " + hex(ret) + ", expected " + hex(expected);
                    }
                    return expected != 0 ? null : same(unquote(a.get(1)), crt.info(0));
                }
            }
            case "mbedtls_x509_crt_verify_chain":
                return verifyChain(a);
            case "x509_verify_callback":
                return verifyCallback(a);
            case "mbedtls_x509_crt_verify_max": {
                try (X509Crt trusted = new X509Crt(); X509Crt chain = new X509Crt()) {
                    trusted.parseFile(file(a.get(0)));
                    chain.parseFile(suite.tests().resolve(unquote(a.get(1))).resolve(String.format("c%02d.pem", value(a.get(2)) + 1)));
                    return verifyOutcome(chain, trusted, VerifyProfile.DEFAULT, null, value(a.get(3)), value(a.get(4)));
                }
            }
            case "x509_parse_san":
                return parseSan(a);
            case "mbedtls_x509_dn_gets": {
                try (X509Crt crt = new X509Crt()) {
                    crt.parseFile(file(a.get(0)));
                    String entity = unquote(a.get(1));
                    return same(unquote(a.get(2)), entity.equals("subject") ? crt.subject(0) : crt.issuer(0));
                }
            }
            case "mbedtls_x509_crt_parse_path": {
                try (X509Crt crt = new X509Crt()) {
                    int ret = code(() -> crt.parsePath(file(a.get(0))));
                    if (ret != value(a.get(1)) || crt.size() != value(a.get(2))) {
                        return "parse " + hex(ret) + ", " + crt.size() + " certificates, expected " + a.get(1) + ", " + a.get(2);
                    }
                    return null;
                }
            }
            case "mbedtls_x509_get_ca_istrue": {
                // mbedtls_x509_crt_get_ca_istrue: the cA flag, or INVALID_EXTENSIONS without basicConstraints.
                try (X509Crt crt = new X509Crt()) {
                    crt.parseFile(file(a.get(0)));
                    int ret = (crt.extensionTypes(0) & value("MBEDTLS_X509_EXT_BASIC_CONSTRAINTS")) == 0
                            ? value("MBEDTLS_ERR_X509_INVALID_EXTENSIONS") : crt.isCa(0) ? 1 : 0;
                    return ret == value(a.get(1)) ? null : "ca_istrue " + hex(ret) + ", expected " + a.get(1);
                }
            }
            case "mbedtls_x509_crl_parse": {
                try (X509Crl crl = new X509Crl()) {
                    int ret = code(() -> {
                        crl.parseFile(file(a.get(0)));
                        return 0;
                    });
                    return ret == value(a.get(1)) ? null : "parse " + hex(ret) + ", expected " + a.get(1);
                }
            }
            case "x509parse_crt_file": {
                try (X509Crt crt = new X509Crt()) {
                    int ret = code(() -> crt.parseFile(file(a.get(0))));
                    return ret == value(a.get(1)) ? null : "parse " + hex(ret) + ", expected " + a.get(1);
                }
            }
            case "x509_crt_parse_subjectkeyid":
            case "x509_crt_parse_authoritykeyid":
                return keyIdentifiers(c.function(), a);
            case "x509_accessor_ext_types":
                throw new NotExpressible("it writes ext_types into an empty structure by hand");
            default:
                throw new AssertionError(c.function());
        }
    }

    /** A CSR parse as the suite's C function makes it: its code, and on success mbedtls_x509_csr_info's text. */
    private static String csrCase(java.util.function.Consumer<X509Csr> parse, int expected, String info) {
        try (X509Csr csr = new X509Csr()) {
            int ret = code(() -> {
                parse.accept(csr);
                return 0;
            });
            if (ret != expected) {
                return "parse " + hex(ret) + ", expected " + hex(expected);
            }
            return expected != 0 ? null : same(info, csr.info());
        }
    }

    private String crlCase(byte[] der, int expected, String info) {
        try (X509Crl crl = new X509Crl()) {
            int ret = code(() -> {
                crl.parse(der);
                return 0;
            });
            if (ret != expected) {
                return "parse " + hex(ret) + ", expected " + hex(expected);
            }
            return expected != 0 ? null : same(unquote(info), crl.info(0));
        }
    }

    /** {@code x509_verify:crt:ca:crl:name:result:flags:profile:callback}, as the suite's C function runs it. */
    private String verify(List<String> a) {
        VerifyProfile profile = profile(unquote(a.get(6)));
        X509VerifyCallback callback;
        switch (unquote(a.get(7))) {
            case "NULL":
                callback = null;
                break;
            case "verify_none":
                callback = (der, depth, flags) -> flags | X509VerifyCallback.BADCERT_OTHER;
                break;
            case "verify_all":
                callback = (der, depth, flags) -> 0;
                break;
            default:
                throw new NotExpressible("callback " + a.get(7));
        }
        String name = unquote(a.get(3));
        int expectedRet = value(a.get(4));
        int expectedFlags = value(a.get(5));
        try (X509Crt crt = new X509Crt(); X509Crt ca = new X509Crt(); X509Crl crl = new X509Crl()) {
            crt.parseFile(file(a.get(0)));
            ca.parseFile(file(a.get(1)));
            String crlFile = unquote(a.get(2));
            if (!crlFile.isEmpty()) {
                crl.parseFile(suite.tests().resolve(crlFile));
            }
            VerifyResult result;
            try {
                result = crt.verify(ca, crl, name.equals("NULL") ? null : name, profile, X509Crt.Purpose.ANY, callback);
            } catch (MbedTlsException e) {
                return e.code() == expectedRet ? null : "verify threw " + hex(e.code()) + ", expected " + hex(expectedRet);
            }
            int ret = result.flags() == 0 ? 0 : value("MBEDTLS_ERR_X509_CERT_VERIFY_FAILED");
            if (onlyValidityDiffers(expectedFlags, result.flags()) && expiredNow(crt, ca, crl)) {
                // Only validity flags differ, and the vector's certificates or CRLs have expired
                // since this Mbed TLS was released (2.28.3's data files; what was in the future
                // then may be valid now): Mbed TLS's own test of it fails the same way today.
                throw new NotExpressible("its files expired since this Mbed TLS's release");
            }
            if (ret != expectedRet || result.flags() != expectedFlags) {
                return "ret " + hex(ret) + " flags " + hex(result.flags()) + ", expected " + hex(expectedRet) + " "
                        + hex(expectedFlags);
            }
            return null;
        }
    }

    /**
     * {@code mbedtls_x509_crt_verify_chain:chain:ca:flags:result:profile:fatal_levels}: the suite's
     * {@code verify_fatal} callback fails at each depth whose bit is set, adding that bit to the
     * flags and returning the C code {@code -1 - depth}, which ends the verification with that
     * code and all flags set. A Java callback ends a verification by throwing (its exception
     * propagates from {@code verify}), so such a case checks that the verification ended at that
     * depth with the callback's own exception, having called it from the top down to there.
     */
    private String verifyChain(List<String> a) {
        String profileName = unquote(a.get(4));
        VerifyProfile profile;
        switch (profileName) {
            case "rsa3072":
                profile = VerifyProfile.custom().allowHashes(VerifyProfile.Hash.SHA256, VerifyProfile.Hash.SHA384, VerifyProfile.Hash.SHA512)
                        .allowPkTypes(VerifyProfile.PkType.RSA).allowCurves().minRsaBits(3072).build();
                break;
            case "sha512":
                profile = VerifyProfile.custom().allowHashes(VerifyProfile.Hash.SHA512).allowPkTypes(VerifyProfile.PkType.values())
                        .allowCurves(VerifyProfile.Curve.values()).minRsaBits(1024).build();
                break;
            case "suiteb":
                profile = VerifyProfile.SUITE_B;
                break;
            case "next":
                profile = VerifyProfile.NEXT;
                break;
            case "":
                profile = VerifyProfile.DEFAULT;
                break;
            default:
                throw new NotExpressible("a NULL profile (" + profileName + "), which the API never passes");
        }
        int fatal = value(a.get(5));
        try (X509Crt chain = new X509Crt(); X509Crt trusted = new X509Crt()) {
            for (String path : unquote(a.get(0)).split(" ")) {
                chain.parseFile(suite.tests().resolve(path));
            }
            trusted.parseFile(file(a.get(1)));
            if (fatal == 0) {
                return verifyOutcome(chain, trusted, profile, null, value(a.get(3)), value(a.get(2)));
            }
            int expectedDepth = -1 - value(a.get(3));
            List<Integer> depths = new java.util.ArrayList<>();
            final class Fatal extends RuntimeException {
                private static final long serialVersionUID = 1L;

                Fatal() {
                    super(null, null, false, false);
                }
            }
            X509VerifyCallback callback = (der, depth, flags) -> {
                depths.add(depth);
                if ((fatal & (1 << depth)) != 0) {
                    throw new Fatal();
                }
                return flags;
            };
            try {
                chain.verify(trusted, null, null, profile, X509Crt.Purpose.ANY, callback);
                return "verify returned, expected the callback to end it at depth " + expectedDepth + " (called at " + depths + ")";
            } catch (Fatal e) {
                int last = depths.get(depths.size() - 1);
                for (int i = 1; i < depths.size(); i++) {
                    if (depths.get(i) != depths.get(i - 1) - 1) {
                        return "callback depths " + depths + " are not from the top down";
                    }
                }
                return last == expectedDepth ? null : "ended at depth " + last + ", expected " + expectedDepth;
            }
        }
    }

    /**
     * {@code x509_verify_callback:crt:ca:name:result:output}: the suite's {@code verify_print}
     * callback writes, for each call, the depth, {@code mbedtls_x509_serial_gets} and
     * {@code mbedtls_x509_dn_gets} of the certificate it is given, and the flags; here from the
     * certificate's DER as the Java callback receives it, read back by Mbed TLS.
     */
    private String verifyCallback(List<String> a) {
        VerifyProfile compat = profile("compat");
        String name = unquote(a.get(2));
        StringBuilder out = new StringBuilder();
        X509VerifyCallback print = (der, depth, flags) -> {
            try (X509Crt one = X509Crt.of(der)) {
                out.append("depth ").append(depth).append(" - serial ").append(serialGets(one.serial(0))).append(" - subject ")
                        .append(one.subject(0)).append(" - flags 0x").append(String.format("%08x", flags)).append('\n');
            }
            return flags;
        };
        try (X509Crt crt = new X509Crt(); X509Crt ca = new X509Crt()) {
            crt.parseFile(file(a.get(0)));
            ca.parseFile(file(a.get(1)));
            VerifyResult result = crt.verify(ca, null, name.equals("NULL") ? null : name, compat, X509Crt.Purpose.ANY, print);
            int ret = result.flags() == 0 ? 0 : value("MBEDTLS_ERR_X509_CERT_VERIFY_FAILED");
            String expected = unquote(a.get(4));
            if ((ret != value(a.get(3)) || !expected.equals(out.toString())) && onlyValidityDiffers(expected, out.toString())
                    && expiredNow(crt, ca, null)) {
                throw new NotExpressible("its files expired since this Mbed TLS's release");
            }
            if (ret != value(a.get(3))) {
                return "ret " + hex(ret) + ", expected " + a.get(3);
            }
            return same(expected, out.toString());
        }
    }

    /** {@code mbedtls_x509_serial_gets}: hex bytes joined by ':', a leading zero byte dropped, more than 32 cut to 28 and "....". */
    private static String serialGets(byte[] serial) {
        int nr = serial.length <= 32 ? serial.length : 28;
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < nr; i++) {
            if (i == 0 && nr > 1 && serial[i] == 0) {
                continue;
            }
            out.append(String.format("%02X", serial[i] & 0xFF)).append(i < nr - 1 ? ":" : "");
        }
        return nr != serial.length ? out + "...." : out.toString();
    }

    /**
     * {@code x509_crt_parse_subjectkeyid:file:keyid:result} and
     * {@code x509_crt_parse_authoritykeyid:file:keyid:issuer:serial:result}: the parse's code, and
     * after a parse the key identifiers as Mbed TLS kept them (an empty expectation: absent; the
     * issuer a directoryName, as {@code mbedtls_x509_dn_gets} writes it).
     */
    private String keyIdentifiers(String function, List<String> a) {
        int expected = value(a.get(a.size() - 1));
        try (X509Crt crt = new X509Crt()) {
            int ret = code(() -> crt.parseFile(file(a.get(0))));
            if (ret != expected) {
                return "parse " + hex(ret) + ", expected " + hex(expected);
            }
            if (expected != 0) {
                return crt.size() == 0 ? null : "a certificate kept after a failed parse";
            }
            byte[] keyId = HexFormat.of().parseHex(unquote(a.get(1)));
            if (function.equals("x509_crt_parse_subjectkeyid")) {
                return java.util.Arrays.equals(keyId, crt.subjectKeyIdentifier(0)) ? null
                        : "subjectKeyIdentifier " + hexOrNull(crt.subjectKeyIdentifier(0));
            }
            AuthorityKeyIdentifier aki = crt.authorityKeyIdentifier(0);
            byte[] actualKeyId = aki == null ? null : aki.keyIdentifier();
            if (keyId.length == 0 ? actualKeyId != null : !java.util.Arrays.equals(keyId, actualKeyId)) {
                return "keyIdentifier " + hexOrNull(actualKeyId);
            }
            String issuer = unquote(a.get(2));
            if (!issuer.isEmpty()) {
                List<SubjectAltName> names = aki == null ? List.of() : aki.issuer();
                if (names.isEmpty() || names.get(0).type() != SubjectAltName.Type.DIRECTORY_NAME
                        || !issuer.equals(names.get(0).value())) {
                    return "authorityCertIssuer " + names;
                }
            }
            byte[] serial = HexFormat.of().parseHex(unquote(a.get(3)));
            byte[] actualSerial = aki == null ? null : aki.serial();
            if (serial.length == 0 ? actualSerial != null : !java.util.Arrays.equals(serial, actualSerial)) {
                return "authorityCertSerialNumber " + hexOrNull(actualSerial);
            }
            return null;
        }
    }

    private static String hexOrNull(byte[] bytes) {
        return bytes == null ? "absent" : HexFormat.of().formatHex(bytes);
    }

    /** A verification's return code and flags (a thrown MbedTlsException's code, flags all set as C leaves them) against the vector's. */
    private String verifyOutcome(X509Crt chain, X509Crt trusted, VerifyProfile profile, X509VerifyCallback callback, int expectedRet,
            int expectedFlags) {
        int ret;
        int flags;
        try {
            VerifyResult result = chain.verify(trusted, null, null, profile, X509Crt.Purpose.ANY, callback);
            flags = result.flags();
            ret = flags == 0 ? 0 : value("MBEDTLS_ERR_X509_CERT_VERIFY_FAILED");
        } catch (MbedTlsException e) {
            ret = e.code();
            flags = -1;
        }
        if (flags != -1 && onlyValidityDiffers(expectedFlags, flags) && expiredNow(chain, trusted, null)) {
            throw new NotExpressible("its files expired since this Mbed TLS's release");
        }
        return ret == expectedRet && flags == expectedFlags ? null
                : "ret " + hex(ret) + " flags " + hex(flags) + ", expected " + hex(expectedRet) + " " + hex(expectedFlags);
    }

    /** Whether two flag values differ, and only in the validity-period flags (what expiry changes). */
    private boolean onlyValidityDiffers(int expected, int actual) {
        int time = value("MBEDTLS_X509_BADCERT_EXPIRED") | value("MBEDTLS_X509_BADCERT_FUTURE")
                | value("MBEDTLS_X509_BADCRL_EXPIRED") | value("MBEDTLS_X509_BADCRL_FUTURE");
        int differ = expected ^ actual;
        return differ != 0 && (differ & ~time) == 0;
    }

    /** The same, for verify_print's output: the same lines but for the flags, which differ only in validity. */
    private boolean onlyValidityDiffers(String expected, String actual) {
        String[] e = expected.split("\n");
        String[] r = actual.split("\n");
        if (e.length != r.length) {
            return false;
        }
        boolean any = false;
        for (int i = 0; i < e.length; i++) {
            int at = e[i].lastIndexOf(" - flags 0x");
            if (at < 0 || !r[i].startsWith(e[i].substring(0, at + 11))) {
                return false;
            }
            int ef = Integer.parseUnsignedInt(e[i].substring(at + 11), 16);
            int rf = Integer.parseUnsignedInt(r[i].substring(at + 11), 16);
            if (ef != rf && !onlyValidityDiffers(ef, rf)) {
                return false;
            }
            any |= ef != rf;
        }
        return any;
    }

    /**
     * {@code x509_parse_san:file:output:result}: the suite's {@code verify_parse_san} prints each
     * entry {@code mbedtls_x509_parse_subject_alt_name} parses (its type number and value) and skips
     * the ones it does not support; here from {@link X509Crt#subjectAltNames}.
     */
    private String parseSan(List<String> a) {
        int expected = a.size() > 2 ? value(a.get(2)) : 0; // 2.28's has no expected parse result
        try (X509Crt crt = new X509Crt()) {
            int ret = code(() -> crt.parseFile(file(a.get(0))));
            if (ret != expected) {
                return "parse " + hex(ret) + ", expected " + hex(expected);
            }
            if (expected != 0) {
                return null;
            }
            StringBuilder out = new StringBuilder();
            for (SubjectAltName san : crt.subjectAltNames(0)) {
                switch (san.type()) {
                    case HARDWARE_MODULE_NAME:
                        out.append("type : 0\notherName : hardware module name : hardware type : ").append(san.value())
                                .append(", hardware serial number : ").append(HexFormat.of().withUpperCase().formatHex(san.bytes()));
                        break;
                    case RFC822_NAME:
                        out.append("type : 1\nrfc822Name : ").append(san.value());
                        break;
                    case DNS_NAME:
                        out.append("type : 2\ndNSName : ").append(san.value());
                        break;
                    case DIRECTORY_NAME:
                        out.append("type : 4\ndirectoryName : ").append(san.value());
                        break;
                    case UNSUPPORTED:
                        continue;
                    default:
                        // verify_parse_san has no branch for it: Mbed TLS's own test would fail.
                        return "an entry the suite's printer does not know: " + san;
                }
                out.append('\n');
            }
            return same(unquote(a.get(1)), out.toString());
        }
    }

    /**
     * The suite's {@code parse_crt_ext_cb}, in Java: accepts a certificatePolicies extension whose
     * policies are all the OID "1" (another policy: FEATURE_UNAVAILABLE), checking its DER as
     * Mbed TLS's ASN.1 helpers do and failing with their codes; accepts the PKIX OID
     * 1.3.6.1.5.5.7.1.31; refuses anything else.
     */
    private int policiesCallback(String oid, byte[] oidDer, boolean critical, byte[] value) {
        int invalid = value("MBEDTLS_ERR_X509_INVALID_EXTENSIONS");
        int mismatch = value("MBEDTLS_ERR_ASN1_LENGTH_MISMATCH");
        int sequence = 0x30;
        if ("2.5.29.32".equals(oid)) {
            int[] p = {0};
            int end = value.length;
            int len = asn1Tag(value, p, end, sequence);
            if (len < 0) {
                return invalid + len;
            }
            if (p[0] + len != end || len == 0) {
                return invalid + mismatch;
            }
            int result = 0;
            while (p[0] < end) {
                len = asn1Tag(value, p, end, sequence);
                if (len < 0) {
                    return invalid + len;
                }
                int policyEnd = p[0] + len;
                len = asn1Tag(value, p, policyEnd, 0x06);
                if (len < 0) {
                    return invalid + len;
                }
                if (len != 1 || value[p[0]] != 1) {
                    result = value("MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE");
                }
                p[0] += len;
                if (p[0] < policyEnd) {
                    len = asn1Tag(value, p, policyEnd, sequence);
                    if (len < 0) {
                        return invalid + len;
                    }
                    p[0] += len;
                }
                if (p[0] != policyEnd) {
                    return invalid + mismatch;
                }
            }
            return p[0] != end ? invalid + mismatch : result;
        }
        if ("1.3.6.1.5.5.7.1.31".equals(oid)) {
            return 0;
        }
        return invalid + value("MBEDTLS_ERR_ASN1_UNEXPECTED_TAG");
    }

    /** {@code mbedtls_asn1_get_tag}: the length after tag {@code tag} at {@code p[0]} (advanced past tag and length), or its error code. */
    private int asn1Tag(byte[] der, int[] p, int end, int tag) {
        int outOfData = value("MBEDTLS_ERR_ASN1_OUT_OF_DATA");
        if (end - p[0] < 1) {
            return outOfData;
        }
        if ((der[p[0]] & 0xFF) != tag) {
            return value("MBEDTLS_ERR_ASN1_UNEXPECTED_TAG");
        }
        p[0]++;
        if (end - p[0] < 1) {
            return outOfData;
        }
        long len;
        int first = der[p[0]] & 0xFF;
        if ((first & 0x80) == 0) {
            len = first;
            p[0]++;
        } else {
            int n = first & 0x7F;
            if (n == 0 || n > 4) {
                return value("MBEDTLS_ERR_ASN1_INVALID_LENGTH");
            }
            if (end - p[0] <= n) {
                return outOfData;
            }
            p[0]++;
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (der[p[0]++] & 0xFF);
            }
        }
        return len > end - p[0] ? outOfData : (int) len;
    }

    /** True if a certificate of either list or a CRL is past its validity now. */
    private static boolean expiredNow(X509Crt crt, X509Crt ca, X509Crl crl) {
        java.time.Instant now = java.time.Instant.now();
        for (X509Crt list : List.of(crt, ca)) {
            for (int i = 0; i < list.size(); i++) {
                if (list.validTo(i).isBefore(now)) {
                    return true;
                }
            }
        }
        for (int i = 0; crl != null && i < crl.size(); i++) {
            java.time.Instant next = crl.nextUpdate(i);
            if (next != null && next.isBefore(now)) {
                return true;
            }
        }
        return false;
    }

    /** The suite's profiles: Mbed TLS's own, and its test-only "compat" and "all" as custom ones. */
    private static VerifyProfile profile(String name) {
        switch (name) {
            case "":
                return VerifyProfile.DEFAULT;
            case "next":
                return VerifyProfile.NEXT;
            case "suite_b":
                return VerifyProfile.SUITE_B;
            case "compat":
                return VerifyProfile.custom().allowHashes(VerifyProfile.Hash.SHA1, VerifyProfile.Hash.RIPEMD160,
                        VerifyProfile.Hash.SHA224, VerifyProfile.Hash.SHA256, VerifyProfile.Hash.SHA384, VerifyProfile.Hash.SHA512)
                        .allowPkTypes(VerifyProfile.PkType.values()).allowCurves(VerifyProfile.Curve.values()).minRsaBits(1024).build();
            case "all": {
                EnumSet<VerifyProfile.Hash> hashes = EnumSet.allOf(VerifyProfile.Hash.class);
                if (MbedTlsVersions.is2()) {
                    hashes.removeIf(h -> h.name().startsWith("SHA3"));
                }
                return VerifyProfile.custom().allowHashes(hashes.toArray(new VerifyProfile.Hash[0]))
                        .allowPkTypes(VerifyProfile.PkType.values()).allowCurves(VerifyProfile.Curve.values()).minRsaBits(1024).build();
            }
            default:
                throw new NotExpressible("profile " + name);
        }
    }

    /** An OID's DER contents, dotted (what X509Crt.checkExtendedKeyUsage takes and encodes back). */
    private static String dotted(byte[] der) {
        if (der.length == 0) {
            throw new NotExpressible("an empty OID");
        }
        StringBuilder out = new StringBuilder();
        java.math.BigInteger arc = java.math.BigInteger.ZERO;
        boolean first = true;
        for (byte b : der) {
            arc = arc.shiftLeft(7).or(java.math.BigInteger.valueOf(b & 0x7F));
            if ((b & 0x80) == 0) {
                if (first) {
                    int x = arc.compareTo(java.math.BigInteger.valueOf(80)) >= 0 ? 2 : arc.intValue() / 40;
                    out.append(x).append('.').append(arc.subtract(java.math.BigInteger.valueOf(40L * x)));
                    first = false;
                } else {
                    out.append('.').append(arc);
                }
                arc = java.math.BigInteger.ZERO;
            }
        }
        if ((der[der.length - 1] & 0x80) != 0) {
            throw new NotExpressible("a truncated OID");
        }
        String result = out.toString();
        if (!java.util.Arrays.equals(Oids.encode(result), der)) {
            throw new NotExpressible("an OID without a canonical dotted form");
        }
        return result;
    }

    private Path file(String quoted) {
        return suite.file(quoted);
    }

    private int value(String expression) {
        return suite.value(expression);
    }

    private static String unquote(String arg) {
        return MbedTlsSuite.unquote(arg);
    }

    private static String same(String expected, String actual) {
        return expected.equals(actual) ? null : "info differs:\n--- expected\n" + expected + "--- actual\n" + actual;
    }

    /** The Mbed TLS code a parse gives: what it returned, or its exception's code. */
    private static int code(java.util.function.IntSupplier parse) {
        try {
            return parse.getAsInt();
        } catch (MbedTlsException e) {
            return e.code();
        } catch (IllegalArgumentException e) {
            throw new NotExpressible("refused before Mbed TLS: " + e.getMessage());
        }
    }

    private static String hex(int v) {
        return MbedTlsSuite.hex(v);
    }
}
