package io.github.mbedtlsjni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.mbedtlsjni.testing.ApiDump;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The library's public API changes only on purpose: every public and protected type and member
 * of the packages the module descriptor exports (not {@code internal}) is written down in
 * {@code api/mbedtls-jni.api},
 * and this test fails on any difference between that file and the compiled classes, printing
 * the difference and the one command that accepts it ({@link #UPDATE}). A change to the file is
 * then part of the commit that changes the API, for a reviewer to see.
 */
class ApiTest {

    static final String UPDATE = "mvn -B -o -pl mbedtls-jni process-test-classes surefire:test -Dtest=ApiTest -Dapi.update=true";

    private static Path dumpFile() {
        return Path.of(System.getProperty("mbedtlsjni.basedir", ".")).resolve("api/mbedtls-jni.api");
    }

    private static Path classes() throws Exception {
        Path classes = Path.of(TlsClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isDirectory(classes), "the classes are read from target/classes: " + classes);
        return classes;
    }

    /** The packages the module descriptor exports (META-INF/versions/11/module-info.class): the API. */
    static List<String> exportedPackages() throws Exception {
        try (InputStream in = Files.newInputStream(classes().resolve("META-INF/versions/11/module-info.class"))) {
            return ModuleDescriptor.read(in).exports().stream().map(ModuleDescriptor.Exports::source).sorted()
                    .collect(Collectors.toList());
        }
    }

    private static ApiDump.Result current() throws Exception {
        return ApiDump.of(classes(), exportedPackages(), ApiTest.class.getClassLoader(), "io.github.mbedtlsjni.");
    }

    @Test
    void theApiIsWhatTheModuleExports() throws Exception {
        assertEquals(List.of("io.github.mbedtlsjni", "io.github.mbedtlsjni.jsse", "io.github.mbedtlsjni.mbedtls"), exportedPackages());
    }

    @Test
    void thePublicApiIsTheCommittedOne() throws Exception {
        List<String> actual = current().lines;
        Path file = dumpFile();
        if (Boolean.getBoolean("api.update")) {
            Files.createDirectories(file.getParent());
            Files.write(file, actual, StandardCharsets.UTF_8);
            return;
        }
        List<String> expected = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        if (!expected.equals(actual)) {
            List<String> message = new ArrayList<>();
            message.add("The public API differs from " + file + " (- committed, + compiled):");
            for (String line : ApiDump.diff(expected, actual)) {
                message.add("    " + line);
            }
            message.add("If the change is meant, accept it with (from the repository's root):");
            message.add("    " + UPDATE);
            message.add("and commit api/mbedtls-jni.api with the change; if not, make what was added "
                    + "package-private (or reach it through internal.ThinAccess).");
            fail(String.join("\n", message));
        }
    }

    /**
     * A public signature that mentions a type users cannot name (package-private, or in the
     * unexported {@code internal} package) leaks an internal: callers see it but cannot use it.
     */
    @Test
    void publicSignaturesMentionOnlyPublicApiTypes() throws Exception {
        assertEquals(List.of(), List.copyOf(current().hiddenTypesInSignatures),
                "types in public signatures that are not part of the public API");
    }

    /** The dump reads what it should: a type this test knows is there, with one of its members. */
    @Test
    void theDumpHasTheTypesAndMembersOfTheClasses() throws Exception {
        List<String> lines = current().lines;
        assertTrue(lines.contains("public final class io.github.mbedtlsjni.TlsClient implements java.lang.AutoCloseable"), lines::toString);
        assertTrue(lines.contains("  public io.github.mbedtlsjni.TlsConnection connect(java.lang.String, int) throws java.io.IOException"),
                "TlsClient.connect");
        assertTrue(lines.contains("  public io.github.mbedtlsjni.TlsClient.Builder trust(java.security.cert.X509Certificate...)"),
                "varargs are spelled as such");
        assertTrue(lines.contains("  public java.util.List<java.lang.String> alpnProtocols()"), "generic types are kept");
        assertTrue(lines.stream().noneMatch(l -> l.contains(".internal.")), "nothing of the internal package");
        // close() comes from the package-private NativeResource: it is API through each public subclass.
        assertTrue(lines.contains("public final class io.github.mbedtlsjni.mbedtls.CtrDrbg implements java.lang.AutoCloseable"), "CtrDrbg");
        int ctrDrbg = lines.indexOf("public final class io.github.mbedtlsjni.mbedtls.CtrDrbg implements java.lang.AutoCloseable");
        assertTrue(lines.subList(ctrDrbg, lines.size()).contains("  public void close()"), "inherited close()");
    }

    /** The diff names what was added and removed, under the type it belongs to. */
    @Test
    void theDiffShowsAddedAndRemovedMembersUnderTheirType() throws IOException {
        List<String> before = List.of("public final class a.B", "  public void x()", "public final class a.C", "  public int y");
        List<String> after = List.of("public final class a.B", "  public void x()", "  public void z()", "public class a.C");
        assertEquals(List.of("+   public void z()", "  public final class a.B", "- public final class a.C", "+ public class a.C", "-   public int y")
                .stream().sorted().collect(Collectors.toList()),
                ApiDump.diff(before, after).stream().sorted().collect(Collectors.toList()));
    }
}
