package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.MbedTlsVersions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
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
 * <p>Functions run: {@code x509parse_crt} (DER parse and info), {@code x509_cert_info},
 * {@code mbedtls_x509_crt_parse_file}, {@code x509parse_crl}, {@code mbedtls_x509_crl_info},
 * {@code x509_verify} (every profile and callback of the suite), {@code x509_check_key_usage},
 * {@code x509_check_extended_key_usage}, the CSR functions ({@code mbedtls_x509_csr_parse},
 * {@code _info}, {@code _parse_file}, {@code _parse_with_ext_cb}) and {@code x509_verify_info}.
 * The suite's other functions test Mbed TLS's internal helpers and restartable verification,
 * which the API does not offer; {@code x509parse_crt_cb}'s callback is a C parser of its own.
 *
 * <p>Skipped for the system's Mbed TLS: its package has no test vectors.
 */
class MbedTlsX509VectorsTest {
    /** One case of a {@code .data} file. */
    record Case(String description, List<String> dependsOn, String function, List<String> args) {}

    private static final List<String> FUNCTIONS = List.of("x509parse_crt", "x509_cert_info", "mbedtls_x509_crt_parse_file",
            "x509parse_crl", "mbedtls_x509_crl_info", "x509_verify", "x509_check_key_usage", "x509_check_extended_key_usage",
            "mbedtls_x509_csr_parse", "mbedtls_x509_csr_info", "mbedtls_x509_csr_parse_file", "mbedtls_x509_csr_parse_with_ext_cb",
            "x509_verify_info", "x509parse_crt_cb");

    private Path tests; // the source's tests/ directory: the vectors' paths are relative to it
    private Map<String, String> macros;

    @Test
    void mbedTlsOwnX509VectorsGiveTheirExpectedResults() throws Exception {
        Path data = locate();
        tests = data.getParent().getParent();
        macros = macros(tests.getParent());
        List<Case> cases = parse(Files.readAllLines(data, StandardCharsets.UTF_8));
        Map<String, int[]> counts = new TreeMap<>(); // function: run, passed, skipped (options), not expressible
        List<String> failures = new ArrayList<>();
        Map<String, Integer> whyNot = new TreeMap<>(); // why a case is not expressible, with a count
        int other = 0;
        for (Case c : cases) {
            if (!FUNCTIONS.contains(c.function())) {
                other++;
                continue;
            }
            int[] n = counts.computeIfAbsent(c.function(), f -> new int[4]);
            if (!c.dependsOn().stream().allMatch(this::satisfied)) {
                n[2]++;
                continue;
            }
            String problem;
            try {
                problem = run(c);
            } catch (NotExpressible e) {
                n[3]++;
                whyNot.merge(c.function() + ": " + e.getMessage(), 1, Integer::sum);
                continue;
            } catch (RuntimeException e) {
                problem = "threw " + e;
            }
            n[0]++;
            if (problem == null) {
                n[1]++;
            } else {
                failures.add(c.description() + " [" + c.function() + "]: " + problem);
            }
        }
        StringBuilder summary = new StringBuilder("Mbed TLS " + MbedTls.version() + " " + data.getFileName() + ": "
                + cases.size() + " cases, " + other + " of functions the API does not offer\n");
        counts.forEach((f, n) -> summary.append(String.format("  %-32s run %4d  passed %4d  skipped (options) %3d  not run %3d%n",
                f, n[0], n[1], n[2], n[3])));
        whyNot.forEach((why, k) -> summary.append("  not run, ").append(k).append(" x ").append(why).append('\n'));
        System.out.print(summary);
        assertTrue(failures.isEmpty(), failures.size() + " vectors differ:\n" + String.join("\n", failures));
        int ran = counts.values().stream().mapToInt(n -> n[0]).sum();
        assertTrue(ran > 300, "most vectors run: " + summary);
    }

    /** Thrown for a case the API cannot express (counted, not failed). */
    private static final class NotExpressible extends RuntimeException {
        NotExpressible(String why) {
            super(why, null, false, false);
        }
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
            case "x509parse_crt_cb":
                // Its C callback parses certificatePolicies with Mbed TLS's ASN.1 helpers and a
                // private-arc policy OID: a C program of its own, which the Java callback would
                // have to re-implement rather than express.
                throw new NotExpressible("its callback is a certificatePolicies parser written in C");
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
                crl.parseFile(tests.resolve(crlFile));
            }
            VerifyResult result;
            try {
                result = crt.verify(ca, crl, name.equals("NULL") ? null : name, profile, X509Crt.Purpose.ANY, callback);
            } catch (MbedTlsException e) {
                return e.code() == expectedRet ? null : "verify threw " + hex(e.code()) + ", expected " + hex(expectedRet);
            }
            int ret = result.flags() == 0 ? 0 : value("MBEDTLS_ERR_X509_CERT_VERIFY_FAILED");
            int time = value("MBEDTLS_X509_BADCERT_EXPIRED") | value("MBEDTLS_X509_BADCERT_FUTURE")
                    | value("MBEDTLS_X509_BADCRL_EXPIRED") | value("MBEDTLS_X509_BADCRL_FUTURE");
            int differ = result.flags() ^ expectedFlags;
            if (differ != 0 && (differ & ~time) == 0 && expiredNow(crt, ca, crl)) {
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
        for (int i = 0; i < crl.size(); i++) {
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
        return tests.resolve(unquote(quoted));
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
        return v < 0 ? "-0x" + Integer.toHexString(-v).toUpperCase() : "0x" + Integer.toHexString(v).toUpperCase();
    }

    // --- The .data format ----------------------------------------------------------------------------

    /** Blocks separated by blank lines: a description, optional depends_on:A:B, then function:args. */
    static List<Case> parse(List<String> lines) {
        List<Case> cases = new ArrayList<>();
        List<String> block = new ArrayList<>();
        for (String line : Stream.concat(lines.stream(), Stream.of("")).collect(Collectors.toList())) {
            if (line.startsWith("#")) {
                continue;
            }
            if (!line.isBlank()) {
                block.add(line);
                continue;
            }
            if (block.size() >= 2) {
                List<String> call = split(block.get(block.size() - 1));
                List<String> deps = block.size() >= 3 && block.get(1).startsWith("depends_on:")
                        ? split(block.get(1)).subList(1, split(block.get(1)).size()) : List.of();
                cases.add(new Case(block.get(0), deps, call.get(0), call.subList(1, call.size())));
            }
            block.clear();
        }
        return cases;
    }

    /** Splits on ':' outside quotes and not escaped. */
    private static List<String> split(String line) {
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (ch == '\\' && i + 1 < line.length()) {
                cur.append(ch).append(line.charAt(++i));
            } else if (ch == '"') {
                quoted = !quoted;
                cur.append(ch);
            } else if (ch == ':' && !quoted) {
                parts.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        parts.add(cur.toString());
        return parts;
    }

    /** A string argument without its quotes, with the suite's escapes (\n, \:, \", \\) resolved. */
    private static String unquote(String arg) {
        String s = arg.strip();
        if (!s.startsWith("\"") || !s.endsWith("\"")) {
            throw new NotExpressible("not a string: " + arg);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 1; i < s.length() - 1; i++) {
            char ch = s.charAt(i);
            if (ch == '\\' && i + 1 < s.length() - 1) {
                char next = s.charAt(++i);
                out.append(next == 'n' ? '\n' : next);
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }

    // --- Options and macro values, from the preprocessor with the build's config ----------------------

    private boolean satisfied(String dependency) {
        boolean negated = dependency.startsWith("!");
        boolean defined = macros.containsKey(negated ? dependency.substring(1) : dependency);
        return defined != negated;
    }

    /** An integer argument: a number, a macro, or macros and numbers joined by | and +. */
    private int value(String expression) {
        String e = expression.strip();
        if (e.endsWith(";")) { // one vector's expectation carries a stray semicolon
            e = e.substring(0, e.length() - 1).strip();
        }
        if (e.startsWith("MBEDTLS_ERROR_ADD(") && e.endsWith(")")) { // the high and low level codes, added
            return value(e.substring("MBEDTLS_ERROR_ADD(".length(), e.length() - 1).replace(',', '+'));
        }
        if (e.contains("|")) {
            int v = 0;
            for (String part : e.split("\\|")) {
                v |= value(part);
            }
            return v;
        }
        int plus = e.lastIndexOf('+');
        if (plus > 0) {
            return value(e.substring(0, plus)) + value(e.substring(plus + 1));
        }
        if (e.startsWith("(") && e.endsWith(")")) {
            return value(e.substring(1, e.length() - 1));
        }
        if (e.startsWith("-")) {
            return -value(e.substring(1));
        }
        if (e.matches("0[xX][0-9a-fA-F]+[uUlL]*")) {
            return (int) Long.parseLong(e.replaceAll("[uUlL]+$", "").substring(2), 16);
        }
        if (e.matches("[0-9]+[uUlL]*")) {
            return (int) Long.parseLong(e.replaceAll("[uUlL]+$", ""));
        }
        String definition = macros.get(e);
        if (definition == null || definition.isBlank()) {
            throw new NotExpressible("unknown value " + e);
        }
        return value(definition);
    }

    /** The macros defined with this build's config, by name (value as written). */
    private static Map<String, String> macros(Path source) throws IOException, InterruptedException {
        Path include = source.resolve("include");
        String config = MbedTlsVersions.is2() ? "mbedtls/config.h" : "mbedtls/build_info.h";
        StringBuilder in = new StringBuilder("#include <" + config + ">\n");
        for (String h : List.of("error.h", "pem.h", "base64.h", "x509.h", "x509_crt.h", "x509_crl.h", "asn1.h", "oid.h", "pk.h", "md.h")) {
            in.append("#include <mbedtls/").append(h).append(">\n");
        }
        Path nativeSource = Paths.get(System.getProperty("mbedtlsjni.native.source.dir"));
        Path cache = Paths.get(System.getProperty("mbedtlsjni.native.build.dir")).resolve("CMakeCache.txt");
        String cmake = Files.readString(cache);
        List<String> command = new ArrayList<>(List.of("cc", "-dM", "-E", "-I" + include));
        String userConfig = cacheValue(cmake, "MBEDTLS_USER_CONFIG");
        if (!userConfig.isEmpty()) {
            command.add("-DMBEDTLS_CONFIG_FILE=\"" + Paths.get(userConfig).toAbsolutePath() + "\"");
        } else {
            String file = cacheValue(cmake, "MBEDTLS_PROFILE").equals("fast") ? "mbedtls_jni_config_fast.h" : "mbedtls_jni_config.h";
            command.add("-DMBEDTLS_USER_CONFIG_FILE=\"" + nativeSource.resolve(file) + "\"");
        }
        command.addAll(List.of("-x", "c", "-"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().write(in.toString().getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), () -> String.join(" ", command) + "\n" + out);
        Map<String, String> macros = new HashMap<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("#define ")) {
                String rest = line.substring(8);
                int space = rest.indexOf(' ');
                String name = space < 0 ? rest : rest.substring(0, space);
                if (!name.contains("(")) {
                    macros.put(name, space < 0 ? "" : rest.substring(space + 1).strip());
                }
            }
        }
        return macros;
    }

    private static String cacheValue(String cache, String name) {
        for (String line : cache.split("\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(line.indexOf('=') + 1).strip();
            }
        }
        return "";
    }

    /** The suite of the pinned source this build fetched (not shipped with the system's Mbed TLS). */
    private static Path locate() throws IOException {
        Assumptions.assumeFalse(Boolean.getBoolean("mbedtlsjni.system"),
                "the system's Mbed TLS package has no test vectors");
        Path src = Paths.get(System.getProperty("mbedtlsjni.native.build.dir")).resolve("mbedtls-src");
        try (Stream<Path> found = Files.walk(src, 6)) {
            return found.filter(p -> p.endsWith(Paths.get("tests", "suites", "test_suite_x509parse.data")))
                    .findFirst().orElseThrow(() -> new UncheckedIOException(new IOException("no test_suite_x509parse.data under " + src)));
        }
    }
}
