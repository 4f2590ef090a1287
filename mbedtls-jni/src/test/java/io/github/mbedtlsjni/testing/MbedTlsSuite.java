package io.github.mbedtlsjni.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * One of Mbed TLS's own test suites ({@code tests/suites/<name>.data} of the source this build
 * fetched), read as its test framework reads it: the cases, their {@code depends_on} options and
 * the values of the macros they name, both from the preprocessor run with the build's own config.
 * Shared by the vector tests ({@code MbedTlsX509VectorsTest}, {@code MbedTlsX509WriteVectorsTest}).
 * Skipped (an assumption) for the system's Mbed TLS, whose package has no test vectors.
 */
public final class MbedTlsSuite {
    /** One case of a {@code .data} file. */
    public record Case(String description, List<String> dependsOn, String function, List<String> args) {}

    /** Thrown for a case the API cannot express (counted, not failed). */
    public static final class NotExpressible extends RuntimeException {
        public NotExpressible(String why) {
            super(why, null, false, false);
        }
    }

    private final Path data;
    private final Path tests; // the source's tests/ directory: the vectors' paths are relative to it
    private final Map<String, String> macros;
    private final List<Case> cases;

    private MbedTlsSuite(Path data) throws IOException, InterruptedException {
        this.data = data;
        this.tests = data.getParent().getParent();
        this.macros = macros(tests.getParent());
        this.cases = parse(Files.readAllLines(data, StandardCharsets.UTF_8));
    }

    /** The suite {@code name} ({@code "test_suite_x509parse"}) of the pinned source this build fetched. */
    public static MbedTlsSuite load(String name) throws IOException, InterruptedException {
        return new MbedTlsSuite(locate(name + ".data"));
    }

    public Path data() {
        return data;
    }

    public Path tests() {
        return tests;
    }

    public List<Case> cases() {
        return cases;
    }

    /** True if this build has every {@code depends_on} option of {@code c}. */
    public boolean satisfied(Case c) {
        return c.dependsOn().stream().allMatch(this::satisfied);
    }

    /** What runs one case: null if it gives its expected result, else what differs; NotExpressible if it cannot be run. */
    public interface Runner {
        String run(Case c) throws Exception;
    }

    /**
     * Runs every case of {@code functions} whose options this build has, prints the counts per
     * function (run, passed, skipped for their options, not run with the reason) and fails if a
     * case differs or fewer than {@code minimumRun} ran.
     */
    public void runAll(List<String> functions, Runner runner, int minimumRun) throws Exception {
        Map<String, int[]> counts = new TreeMap<>(); // function: run, passed, skipped (options), not expressible
        List<String> failures = new ArrayList<>();
        Map<String, Integer> whyNot = new TreeMap<>(); // why a case is not expressible, with a count
        int other = 0;
        for (Case c : cases) {
            if (!functions.contains(c.function())) {
                other++;
                continue;
            }
            int[] n = counts.computeIfAbsent(c.function(), f -> new int[4]);
            if (!satisfied(c)) {
                n[2]++;
                continue;
            }
            String problem;
            try {
                problem = runner.run(c);
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
        StringBuilder summary = new StringBuilder("Mbed TLS " + io.github.mbedtlsjni.mbedtls.MbedTls.version() + " "
                + data.getFileName() + ": " + cases.size() + " cases, " + other + " of functions the API does not offer\n");
        counts.forEach((f, n) -> summary.append(String.format("  %-32s run %4d  passed %4d  skipped (options) %3d  not run %3d%n",
                f, n[0], n[1], n[2], n[3])));
        whyNot.forEach((why, k) -> summary.append("  not run, ").append(k).append(" x ").append(why).append('\n'));
        System.out.print(summary);
        assertTrue(failures.isEmpty(), failures.size() + " vectors differ:\n" + String.join("\n", failures));
        int ran = counts.values().stream().mapToInt(n -> n[0]).sum();
        assertTrue(ran >= minimumRun, "most vectors run: " + summary);
    }

    /** A file argument (quoted, relative to tests/). */
    public Path file(String quoted) {
        return tests.resolve(unquote(quoted));
    }

    public static String hex(int v) {
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

    /** Splits on ':' not escaped, as the framework's host_test.function does (quotes are not special). */
    private static List<String> split(String line) {
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (ch == '\\' && i + 1 < line.length()) {
                cur.append(ch).append(line.charAt(++i));
            } else if (ch == ':') {
                parts.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        parts.add(cur.toString());
        return parts;
    }

    /**
     * A string argument without its quotes, unescaped as the version's host_test.function does:
     * 3.x turns {@code \n} into a newline and drops the backslash before any other character;
     * 2.28 unescapes only {@code \n}, {@code \:} and {@code \?} and keeps other backslashes.
     */
    public static String unquote(String arg) {
        String s = arg.strip();
        if (s.length() < 2 || !s.startsWith("\"") || !s.endsWith("\"")) {
            throw new NotExpressible("not a string: " + arg);
        }
        boolean keep = MbedTlsVersions.is2();
        StringBuilder out = new StringBuilder();
        for (int i = 1; i < s.length() - 1; i++) {
            char ch = s.charAt(i);
            if (ch == '\\' && i + 1 < s.length() - 1) {
                char next = s.charAt(i + 1);
                if (next == 'n') {
                    out.append('\n');
                    i++;
                } else if (!keep || next == ':' || next == '?') {
                    out.append(next);
                    i++;
                } else {
                    out.append(ch);
                }
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }

    // --- Options and macro values, from the preprocessor with the build's config ----------------------

    public boolean satisfied(String dependency) {
        boolean negated = dependency.startsWith("!");
        boolean defined = macros.containsKey(negated ? dependency.substring(1) : dependency);
        return defined != negated;
    }

    /** Whether one pair of parentheses encloses all of {@code e}. */
    private static boolean wrapped(String e) {
        if (!e.startsWith("(") || !e.endsWith(")")) {
            return false;
        }
        int depth = 0;
        for (int i = 0; i < e.length() - 1; i++) {
            depth += e.charAt(i) == '(' ? 1 : e.charAt(i) == ')' ? -1 : 0;
            if (depth == 0) {
                return false;
            }
        }
        return true;
    }

    /** The index of the last binary + or - of {@code e} (left-associative), or -1: a - after an operand, not a sign. */
    private static int binaryPlusOrMinus(String e) {
        for (int i = e.length() - 1; i > 0; i--) {
            char c = e.charAt(i);
            if (c == '+' || c == '-') {
                String before = e.substring(0, i).strip();
                char last = before.isEmpty() ? '+' : before.charAt(before.length() - 1);
                if (Character.isLetterOrDigit(last) || last == '_' || last == ')') {
                    return i;
                }
            }
        }
        return -1;
    }

    /** An integer argument: a number, a macro, or macros and numbers joined by |, <<, + and -. */
    public int value(String expression) {
        String e = expression.strip();
        if (e.endsWith(";")) { // one vector's expectation carries a stray semicolon
            e = e.substring(0, e.length() - 1).strip();
        }
        if (e.startsWith("MBEDTLS_ERROR_ADD(") && e.endsWith(")")) { // the high and low level codes, added
            return value(e.substring("MBEDTLS_ERROR_ADD(".length(), e.length() - 1).replace(',', '+'));
        }
        if (wrapped(e)) {
            return value(e.substring(1, e.length() - 1));
        }
        if (e.contains("|")) {
            int v = 0;
            for (String part : e.split("\\|")) {
                v |= value(part);
            }
            return v;
        }
        int shift = e.indexOf("<<");
        if (shift > 0) {
            return value(e.substring(0, shift)) << value(e.substring(shift + 2));
        }
        int op = binaryPlusOrMinus(e);
        if (op > 0) {
            int right = value(e.substring(op + 1));
            return e.charAt(op) == '+' ? value(e.substring(0, op)) + right : value(e.substring(0, op)) - right;
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
        for (String h : List.of("error.h", "pem.h", "base64.h", "x509.h", "x509_crt.h", "x509_crl.h", "x509_csr.h", "asn1.h", "oid.h", "pk.h",
                "md.h")) {
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
    private static Path locate(String fileName) throws IOException {
        Assumptions.assumeFalse(Boolean.getBoolean("mbedtlsjni.system"),
                "the system's Mbed TLS package has no test vectors");
        String mirror = System.getProperty("mbedtlsjni.mbedtls.source", "");
        if (!mirror.isEmpty()) { // scripts/test-emulated's copy: a 32-bit guest under qemu cannot list ext4 directories
            return Paths.get(mirror, "tests", "suites", fileName);
        }
        Path src = Paths.get(System.getProperty("mbedtlsjni.native.build.dir")).resolve("mbedtls-src");
        try (Stream<Path> found = Files.walk(src, 6)) {
            return found.filter(p -> p.endsWith(Paths.get("tests", "suites", fileName)))
                    .findFirst().orElseThrow(() -> new UncheckedIOException(new IOException("no " + fileName + " under " + src)));
        }
    }
}
