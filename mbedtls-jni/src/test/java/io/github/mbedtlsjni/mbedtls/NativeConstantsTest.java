package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.internal.Codes;
import io.github.mbedtlsjni.internal.NativeConstants;
import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.MbedTls;
import io.github.mbedtlsjni.mbedtls.MbedTlsError;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import io.github.mbedtlsjni.mbedtls.VerifyFlag;
import io.github.mbedtlsjni.mbedtls.VerifyProfile;
import io.github.mbedtlsjni.mbedtls.VerifyResult;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every constant the Java side shares with C has the value C gives it: Mbed TLS's error codes and
 * verify flags as the linked Mbed TLS's headers define them (generated at build time,
 * cmake/NativeConstants.cmake), and the ordinal tables the glue indexes with Java enums. A change
 * on either side that the other does not follow fails here, naming the constant.
 */
class NativeConstantsTest {
    private static final Map<String, Long> C = NativeConstants.all();

    private static long c(String name) {
        Long v = C.get(name);
        assertTrue(v != null, () -> "the C side has no constant " + name);
        return v;
    }

    @Test
    void everyVerifyFlagHasItsHeadersBitAndEveryHeaderFlagHasAVerifyFlag() {
        for (VerifyFlag f : VerifyFlag.values()) {
            assertEquals(c(f.mbedtlsName()), f.bit() & 0xFFFFFFFFL, f.mbedtlsName());
        }
        TreeSet<String> java = Stream.of(VerifyFlag.values()).map(VerifyFlag::mbedtlsName)
                .collect(Collectors.toCollection(TreeSet::new));
        TreeSet<String> headers = C.keySet().stream().filter(n -> n.matches("MBEDTLS_X509_BADC(ERT|RL)_\\w+"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(headers, java, "VerifyFlag covers exactly the headers' MBEDTLS_X509_BADCERT_*/BADCRL_* flags");
    }

    @Test
    void everyNamedErrorCodeHasItsHeadersValueAndEveryHeaderCodeOfTheseModulesIsNamed() {
        for (MbedTlsError e : MbedTlsError.all()) {
            if (e.code() == -0x3880 && MbedTlsVersions.is2()) {
                assertEquals(-0x3880, c("MBEDTLS_ERR_PK_HW_ACCEL_FAILED"), "2.28's name for -0x3880");
                continue;
            }
            assertEquals(c(e.name()), e.code(), e.name());
            assertEquals(e.name(), MbedTlsError.name(e.code()), "name(code) of " + e);
        }
        List<String> unnamed = new ArrayList<>();
        C.forEach((name, value) -> {
            if (name.matches("MBEDTLS_ERR_(X509|PEM|PK|ASN1|OID|BASE64|NET)_\\w+")
                    && !MbedTlsError.of(value.intValue()).isPresent()) {
                unnamed.add(name + " " + MbedTlsException.formatCode(value.intValue()));
            }
        });
        assertEquals(List.of(), unnamed, "header error codes MbedTlsError does not name");
    }

    /**
     * The codes the Java side acts on come from the C side: every field {@code X} of
     * {@link Codes} holds {@code MBEDTLS_ERR_X} as the headers define it, and any
     * {@code static final} field of the library named after a C macro holds the macro's value.
     */
    @Test
    void codesAndFieldsNamedAfterCMacrosHoldTheirValues() throws Exception {
        int codes = 0;
        for (Field f : Codes.class.getDeclaredFields()) {
            int m = f.getModifiers();
            if (Modifier.isStatic(m) && Modifier.isFinal(m) && f.getType() == int.class) {
                assertEquals(c("MBEDTLS_ERR_" + f.getName()), f.getInt(null), "Codes." + f.getName());
                codes++;
            }
        }
        assertTrue(codes >= 3, "Codes has the codes TlsConnection and SslContext act on: " + codes);
        for (Class<?> cls : libraryClasses()) {
            for (Field f : cls.getDeclaredFields()) {
                int m = f.getModifiers();
                if (!Modifier.isStatic(m) || !Modifier.isFinal(m) || !f.getName().startsWith("MBEDTLS_")
                        || !(f.getType() == int.class || f.getType() == long.class)) {
                    continue;
                }
                f.setAccessible(true);
                long javaValue = f.getType() == int.class ? f.getInt(null) : f.getLong(null);
                assertEquals(c(f.getName()), javaValue, cls.getSimpleName() + "." + f.getName());
            }
        }
    }

    /**
     * No Mbed TLS error code is written into the library's Java code (outside comments): the codes
     * it acts on come from {@link Codes}. MbedTlsError alone holds codes, as the table of names
     * it gives them, which {@link #everyNamedErrorCodeHasItsHeadersValueAndEveryHeaderCodeOfTheseModulesIsNamed}
     * compares with the headers one by one.
     */
    @Test
    void noErrorCodeIsWrittenIntoTheLibrarysJava() throws IOException {
        Path sources = Path.of(System.getProperty("mbedtlsjni.basedir", "."), "src", "main", "java");
        Pattern code = Pattern.compile("-\\s*0[xX][0-9A-Fa-f]{2,4}\\b");
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".java"))::iterator) {
                if (file.getFileName().toString().equals("MbedTlsError.java")) {
                    continue;
                }
                String text = withoutComments(Files.readString(file));
                Matcher m = code.matcher(text);
                while (m.find()) {
                    found.add(sources.relativize(file) + ": " + m.group());
                }
            }
        }
        assertTrue(Files.isDirectory(sources), sources + " holds the library's sources");
        assertEquals(List.of(), found, "Mbed TLS codes written into Java code: take them from Codes");
    }

    /** Java source text with its comments blanked (string literals are not expected to hold such codes). */
    private static String withoutComments(String text) {
        return text.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
    }

    @Test
    void enumsPassedByOrdinalHaveTheOrdinalsTheGlueIndexesWith() {
        assertOrdinals("TlsVersion", TlsVersion.values());
        assertOrdinals("AuthMode", AuthMode.values());
        assertOrdinals("SslContext.Inbound", SslContext.Inbound.values());
        assertOrdinals("VerifyProfile.Hash", VerifyProfile.Hash.values());
        assertOrdinals("VerifyProfile.PkType", VerifyProfile.PkType.values());
        assertOrdinals("VerifyProfile.Curve", VerifyProfile.Curve.values());
        assertEquals(VerifyProfile.Hash.values().length, c("VerifyProfile.Hash.COUNT"));
        assertEquals(VerifyProfile.PkType.values().length, c("VerifyProfile.PkType.COUNT"));
        assertEquals(VerifyProfile.Curve.values().length, c("VerifyProfile.Curve.COUNT"));
    }

    @Test
    void kindsAndSpecialValuesMatch() {
        assertEquals(c("VerifyProfile.KIND_DEFAULT"), VerifyProfile.KIND_DEFAULT);
        assertEquals(c("VerifyProfile.KIND_NEXT"), VerifyProfile.KIND_NEXT);
        assertEquals(c("VerifyProfile.KIND_SUITE_B"), VerifyProfile.KIND_SUITE_B);
        assertEquals(c("VerifyProfile.KIND_CUSTOM"), VerifyProfile.KIND_CUSTOM);
        assertEquals(c("VerifyResult.NOT_AVAILABLE"), VerifyResult.NOT_AVAILABLE & 0xFFFFFFFFL);
    }

    /** X509Csr's nsCertType bits are x509.h's MBEDTLS_X509_NS_CERT_TYPE_*, all eight of them. */
    @Test
    void nsCertTypeBitsAreTheHeaders() throws Exception {
        int n = 0;
        for (Field f : X509Csr.class.getFields()) {
            if (f.getName().startsWith("NS_CERT_TYPE_")) {
                assertEquals(c("X509Csr." + f.getName()), f.getInt(null), "X509Csr." + f.getName());
                n++;
            }
        }
        assertEquals(8, n);
        assertEquals(8, C.keySet().stream().filter(k -> k.startsWith("X509Csr.NS_CERT_TYPE_")).count());
    }

    private static void assertOrdinals(String prefix, Enum<?>[] values) {
        for (Enum<?> e : values) {
            assertEquals(c(prefix + "." + e.name()), e.ordinal(), prefix + "." + e.name());
        }
        long cCount = C.keySet().stream().filter(n -> n.startsWith(prefix + ".") && !n.endsWith(".COUNT")
                && !n.substring(prefix.length() + 1).contains(".")).count();
        assertEquals(values.length, cCount, prefix + ": as many values in C as in Java");
    }

    /** The library's own classes (not the tests'), from the class directory or jar they were loaded from. */
    private static List<Class<?>> libraryClasses() throws IOException, URISyntaxException, ClassNotFoundException {
        Path root = Path.of(MbedTls.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertFalse(Files.isRegularFile(root), "the tests run against the class directory " + root);
        List<Class<?>> classes = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            // Not the module descriptor (META-INF/versions/11/module-info.class): it is no class.
            for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class")
                    && !f.getFileName().toString().equals("module-info.class"))::iterator) {
                String name = root.relativize(p).toString().replace('/', '.').replaceAll("\\.class$", "");
                classes.add(Class.forName(name, false, MbedTls.class.getClassLoader()));
            }
        }
        return classes;
    }
}
