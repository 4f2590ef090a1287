package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mbedtlsjni.internal.NativeLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The typed verify results ({@link VerifyResult}, {@link VerifyFlag}, {@link VerifyCategory}) and
 * error names ({@link MbedTlsError}): their contents against Mbed TLS's headers and x509errors.org's
 * filing, and the edge cases (unknown bits, no result).
 */
class VerifyResultTest {
    /** x509errors.org's category of each Mbed TLS flag (its _data/errors/mbedtls.yml). */
    private static final Map<VerifyFlag, VerifyCategory> SITE = new EnumMap<>(VerifyFlag.class);

    static {
        for (VerifyFlag f : List.of(VerifyFlag.BADCERT_EXPIRED, VerifyFlag.BADCERT_FUTURE, VerifyFlag.BADCERT_REVOKED,
                VerifyFlag.BADCRL_EXPIRED, VerifyFlag.BADCRL_FUTURE)) {
            SITE.put(f, VerifyCategory.TIME);
        }
        SITE.put(VerifyFlag.BADCERT_NOT_TRUSTED, VerifyCategory.TRUST);
        SITE.put(VerifyFlag.BADCRL_NOT_TRUSTED, VerifyCategory.TRUST);
        SITE.put(VerifyFlag.BADCERT_CN_MISMATCH, VerifyCategory.NAME);
        for (VerifyFlag f : List.of(VerifyFlag.BADCERT_KEY_USAGE, VerifyFlag.BADCERT_EXT_KEY_USAGE,
                VerifyFlag.BADCERT_NS_CERT_TYPE)) {
            SITE.put(f, VerifyCategory.USAGE);
        }
        for (VerifyFlag f : List.of(VerifyFlag.BADCERT_BAD_MD, VerifyFlag.BADCERT_BAD_PK, VerifyFlag.BADCERT_BAD_KEY,
                VerifyFlag.BADCRL_BAD_MD, VerifyFlag.BADCRL_BAD_PK, VerifyFlag.BADCRL_BAD_KEY)) {
            SITE.put(f, VerifyCategory.ALGORITHM);
        }
        for (VerifyFlag f : List.of(VerifyFlag.BADCERT_MISSING, VerifyFlag.BADCERT_SKIP_VERIFY, VerifyFlag.BADCERT_OTHER)) {
            SITE.put(f, VerifyCategory.UNCATEGORIZED);
        }
    }

    @Test
    void everyFlagHasTheSitesCategoryAndEntry() {
        assertEquals(VerifyFlag.values().length, SITE.size());
        Set<String> urls = new HashSet<>();
        for (VerifyFlag f : VerifyFlag.values()) {
            assertEquals(SITE.get(f), f.category(), f.name());
            String slug = f.mbedtlsName().toLowerCase().replace('_', '-');
            assertEquals("https://x509errors.org/mbedtls#" + slug + "-link", f.documentationUrl());
            assertTrue(urls.add(f.documentationUrl()));
            assertEquals(f, VerifyFlag.ofBit(f.bit()));
        }
        assertEquals("https://x509errors.org/mbedtls#mbedtls-x509-badcert-expired-link",
                VerifyFlag.BADCERT_EXPIRED.documentationUrl());
        assertNull(VerifyFlag.ofBit(0x00100000));
    }

    @Test
    void namesCategoriesAndTagsOfASetOfFlags() {
        VerifyResult r = new VerifyResult(VerifyFlag.BADCERT_CN_MISMATCH.bit() | VerifyFlag.BADCERT_EXPIRED.bit()
                | VerifyFlag.BADCRL_EXPIRED.bit(), "info");
        assertEquals(List.of("MBEDTLS_X509_BADCERT_EXPIRED", "MBEDTLS_X509_BADCERT_CN_MISMATCH",
                "MBEDTLS_X509_BADCRL_EXPIRED"), r.flagNames());
        assertEquals(Set.of(VerifyCategory.TIME, VerifyCategory.NAME), r.categories());
        assertEquals(List.of("time", "name"), r.categoryTags(), "each category once, in the taxonomy's order");
        assertFalse(r.isOk());
        assertTrue(r.isAvailable());
    }

    @Test
    void unknownBitsAreKeptNamedByValueAndUncategorized() {
        VerifyResult r = new VerifyResult(0x00100000 | VerifyFlag.BADCERT_NOT_TRUSTED.bit() | 0x80000000, "");
        assertEquals(0x80100000, r.unknownBits());
        assertEquals(List.of("MBEDTLS_X509_BADCERT_NOT_TRUSTED", "0x00100000", "0x80000000"), r.flagNames());
        assertEquals(List.of("trust", "uncategorized"), r.categoryTags());
        assertEquals(Set.of(VerifyFlag.BADCERT_NOT_TRUSTED), r.flagSet());
        assertTrue(r.describe().contains("unknown 0x80100000"), r.describe());
    }

    @Test
    void allOnesIsNoResultNotEveryFlag() {
        VerifyResult r = new VerifyResult(VerifyResult.NOT_AVAILABLE, "");
        assertFalse(r.isAvailable());
        assertFalse(r.isOk());
        assertTrue(r.flagSet().isEmpty());
        assertTrue(r.flagNames().isEmpty());
        assertTrue(r.categories().isEmpty());
        assertEquals(0, r.unknownBits());
        assertFalse(r.has(VerifyFlag.BADCERT_EXPIRED));
        assertEquals("no verification result", r.describe());
    }

    @Test
    void zeroIsOkWithNothingToReport() {
        VerifyResult r = new VerifyResult(0, "");
        assertTrue(r.isOk());
        assertTrue(r.flagNames().isEmpty());
        assertTrue(r.categoryTags().isEmpty());
    }

    @Test
    void verifyInfoOfZeroFlagsIsEmpty() {
        // mbedtls_x509_crt_verify_info writes nothing at all for 0: the binding must not return stale bytes.
        NativeLibrary.ensureLoaded();
        for (int i = 0; i < 3; i++) {
            assertEquals("The certificate validity has expired\n", SslContext.nVerifyInfo(VerifyFlag.BADCERT_EXPIRED.bit()));
            assertEquals("", SslContext.nVerifyInfo(0));
        }
    }

    @Test
    void errorNamesCombineHighAndLowLevelParts() {
        assertEquals("MBEDTLS_ERR_X509_INVALID_EXTENSIONS + MBEDTLS_ERR_ASN1_UNEXPECTED_TAG", MbedTlsError.name(-0x2562));
        assertEquals(-0x2500, MbedTlsError.highLevel(-0x2562));
        assertEquals(-0x0062, MbedTlsError.lowLevel(-0x2562));
        assertEquals("MBEDTLS_ERR_X509_CERT_VERIFY_FAILED", MbedTlsError.name(-0x2700));
        assertEquals("MBEDTLS_ERR_ASN1_OUT_OF_DATA", MbedTlsError.name(-0x0060));
        assertEquals("MBEDTLS_ERR_PEM_INVALID_DATA + MBEDTLS_ERR_BASE64_INVALID_CHARACTER", MbedTlsError.name(-0x112C));
        assertEquals("-0x7780", MbedTlsError.name(-0x7780), "SSL codes are not named");
        assertEquals("MBEDTLS_ERR_X509_INVALID_FORMAT + -0x007F", MbedTlsError.name(-0x21FF));
        assertEquals("0", MbedTlsError.name(0));
    }

    @Test
    void errorCategoriesAndLinksFollowTheSite() {
        assertEquals(Optional.of(VerifyCategory.FORMAT), MbedTlsError.category(-0x2562));
        assertEquals(Optional.of("https://x509errors.org/mbedtls#mbedtls-err-x509-invalid-extensions-link"),
                MbedTlsError.documentationUrl(-0x2562));
        assertEquals(Optional.of(VerifyCategory.ALGORITHM), MbedTlsError.category(-0x2600 - 0x2E),
                "MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG + MBEDTLS_ERR_OID_NOT_FOUND");
        assertEquals(Optional.of(VerifyCategory.UNCATEGORIZED), MbedTlsError.category(-0x2700));
        // The site spells this entry's anchor "bad-input-date".
        assertEquals(Optional.of("https://x509errors.org/mbedtls#mbedtls-err-x509-bad-input-date-link"),
                MbedTlsError.documentationUrl(-0x2800));
        // Not on the site: this binding's category, no link.
        assertEquals(Optional.of(VerifyCategory.FORMAT), MbedTlsError.category(-0x2580), "MBEDTLS_ERR_X509_UNKNOWN_VERSION");
        assertEquals(Optional.empty(), MbedTlsError.documentationUrl(-0x2580));
        assertEquals(Optional.of(VerifyCategory.FORMAT), MbedTlsError.category(-0x1080), "MBEDTLS_ERR_PEM_NO_HEADER_FOOTER_PRESENT");
        assertEquals(Optional.empty(), MbedTlsError.documentationUrl(-0x1080));
        assertEquals(Optional.of(VerifyCategory.FORMAT), MbedTlsError.category(-0x0066), "a low-level ASN.1 code alone");
        // Outside the taxonomy.
        assertEquals(Optional.empty(), MbedTlsError.category(-0x0044), "MBEDTLS_ERR_NET_CONNECT_FAILED");
        assertEquals(Optional.empty(), MbedTlsError.category(-0x7780));
        assertEquals(Optional.empty(), MbedTlsError.category(-0x7780 - 0x62), "an unknown high-level part is not guessed from the low one");
        MbedTlsException e = new MbedTlsException(-0x2400, "f", "text");
        assertEquals("MBEDTLS_ERR_X509_INVALID_DATE", e.errorName());
        assertEquals(Optional.of(VerifyCategory.FORMAT), e.category());
        assertEquals(Optional.of("https://x509errors.org/mbedtls#mbedtls-err-x509-invalid-date-link"), e.documentationUrl());
    }

    @Test
    void categoryTagsAreTheSites() {
        assertEquals(List.of("time", "trust", "name", "usage", "algorithm", "format", "uncategorized"),
                Stream.of(VerifyCategory.values()).map(VerifyCategory::tag).toList());
    }

    // --- against the headers of the Mbed TLS this build compiled -------------------------------------

    /** The include/mbedtls directory of the Mbed TLS source the native build used (absent for a system Mbed TLS). */
    private static Path mbedtlsIncludeDir() throws IOException {
        String buildDir = System.getProperty("mbedtlsjni.native.build.dir");
        assumeTrue(buildDir != null && Files.isDirectory(Path.of(buildDir)), "no native build directory");
        try (Stream<Path> files = Files.walk(Path.of(buildDir), 7)) {
            Optional<Path> x509 = files.filter(p -> p.endsWith(Path.of("include", "mbedtls", "x509.h"))).findFirst();
            assumeTrue(x509.isPresent(), "the build used no Mbed TLS source tree (system Mbed TLS)");
            return x509.get().getParent();
        }
    }

    private static Map<String, Integer> defines(Path header, String regex) throws IOException {
        Map<String, Integer> map = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^#define (" + regex + ")\\s+(-?)0x([0-9A-Fa-f]+)").matcher(Files.readString(header));
        while (m.find()) {
            int value = Integer.parseUnsignedInt(m.group(3), 16);
            map.put(m.group(1), m.group(2).isEmpty() ? value : -value);
        }
        return map;
    }

    @Test
    void verifyFlagIsExactlyTheFlagsOfX509H() throws IOException {
        Map<String, Integer> header = defines(mbedtlsIncludeDir().resolve("x509.h"), "MBEDTLS_X509_BAD(?:CERT|CRL)_\\w+");
        assertEquals(VerifyFlag.values().length, header.size(), header.toString());
        for (VerifyFlag f : VerifyFlag.values()) {
            assertEquals(header.get(f.mbedtlsName()), f.bit(), f.mbedtlsName());
        }
    }

    @Test
    void mbedTlsErrorNamesEveryParsingCodeOfTheHeaders() throws IOException {
        Path include = mbedtlsIncludeDir();
        int checked = 0;
        for (String h : List.of("x509.h", "pem.h", "pk.h", "asn1.h", "oid.h", "base64.h", "net_sockets.h")) {
            for (Map.Entry<String, Integer> e : defines(include.resolve(h), "MBEDTLS_ERR_\\w+").entrySet()) {
                if (e.getKey().equals("MBEDTLS_ERR_PK_HW_ACCEL_FAILED")) { // 2.28 only, named by version
                    assertEquals(e.getKey(), MbedTlsError.name(e.getValue()));
                    continue;
                }
                assertEquals(e.getKey(), MbedTlsError.of(e.getValue()).map(MbedTlsError::name).orElse(null),
                        h + ": " + MbedTlsException.formatCode(e.getValue()));
                checked++;
            }
        }
        assertTrue(checked >= 60, "checked " + checked);
    }

    /** of(flags): Mbed TLS's own text for the flags (mbedtls_x509_crt_verify_info), as a callback reports them. */
    @Test
    void ofFlagsAsksMbedTlsForTheText() {
        VerifyResult expired = VerifyResult.of(VerifyFlag.BADCERT_EXPIRED.bit());
        assertEquals(List.of("MBEDTLS_X509_BADCERT_EXPIRED"), expired.flagNames());
        assertTrue(expired.info().contains("expired"), expired.info());
        assertTrue(VerifyResult.of(0).isOk());
        assertFalse(VerifyResult.of(VerifyResult.NOT_AVAILABLE).isAvailable());
        assertEquals("", VerifyResult.of(VerifyResult.NOT_AVAILABLE).info());
    }
}
