package io.github.mbedtlsjni.mbedtls;

import static io.github.mbedtlsjni.mbedtls.VerifyCategory.ALGORITHM;
import static io.github.mbedtlsjni.mbedtls.VerifyCategory.FORMAT;
import static io.github.mbedtlsjni.mbedtls.VerifyCategory.UNCATEGORIZED;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Names Mbed TLS error codes by their C macros, with their x509errors.org category.
 *
 * <p>Mbed TLS error codes are negative and may add a high-level part (a module such as X.509 or
 * PEM, {@code 0x1000..0x7F80}) and a low-level part (ASN.1, OID, net, {@code 0x01..0x7F}):
 * {@code MBEDTLS_ERR_X509_INVALID_EXTENSIONS + MBEDTLS_ERR_ASN1_UNEXPECTED_TAG} is
 * {@code -0x2562}. {@link #name(int)} names both parts, as that expression.
 *
 * <p>Named here: every {@code MBEDTLS_ERR_X509_*}, {@code MBEDTLS_ERR_PEM_*},
 * {@code MBEDTLS_ERR_PK_*}, {@code MBEDTLS_ERR_ASN1_*}, {@code MBEDTLS_ERR_OID_*},
 * {@code MBEDTLS_ERR_BASE64_*} and {@code MBEDTLS_ERR_NET_*} code of Mbed TLS 3.6's headers:
 * what certificate, CRL and PEM parsing and connecting return. 2.28 has the same codes, but
 * names {@code -0x3880} {@code MBEDTLS_ERR_PK_HW_ACCEL_FAILED}. SSL codes are not named: 2.28
 * and 3.x give several of them different meanings.
 *
 * <p>The {@code MBEDTLS_ERR_X509_*} codes x509errors.org lists carry that site's category and a
 * link to its entry; the other parsing codes carry a category assigned by this binding on the
 * same scheme, and no link; {@code MBEDTLS_ERR_NET_*} codes have neither.
 * Pure Java, wrapping no Mbed TLS function (it asks the linked library for its version only to
 * name {@code -0x3880}); for the error text see {@link MbedTls#errorText(int)}.
 */
public final class MbedTlsError {
    private static final Map<Integer, MbedTlsError> BY_CODE = new HashMap<>();

    static {
        site(-0x2080, "MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE", ALGORITHM);
        site(-0x2100, "MBEDTLS_ERR_X509_UNKNOWN_OID", FORMAT);
        site(-0x2180, "MBEDTLS_ERR_X509_INVALID_FORMAT", FORMAT);
        site(-0x2200, "MBEDTLS_ERR_X509_INVALID_VERSION", FORMAT);
        site(-0x2280, "MBEDTLS_ERR_X509_INVALID_SERIAL", FORMAT);
        site(-0x2300, "MBEDTLS_ERR_X509_INVALID_ALG", FORMAT);
        site(-0x2380, "MBEDTLS_ERR_X509_INVALID_NAME", FORMAT);
        site(-0x2400, "MBEDTLS_ERR_X509_INVALID_DATE", FORMAT);
        site(-0x2480, "MBEDTLS_ERR_X509_INVALID_SIGNATURE", FORMAT);
        site(-0x2500, "MBEDTLS_ERR_X509_INVALID_EXTENSIONS", FORMAT);
        ours(-0x2580, "MBEDTLS_ERR_X509_UNKNOWN_VERSION", FORMAT);
        site(-0x2600, "MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG", ALGORITHM);
        site(-0x2680, "MBEDTLS_ERR_X509_SIG_MISMATCH", FORMAT);
        site(-0x2700, "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED", UNCATEGORIZED);
        site(-0x2780, "MBEDTLS_ERR_X509_CERT_UNKNOWN_FORMAT", FORMAT);
        site(-0x2800, "MBEDTLS_ERR_X509_BAD_INPUT_DATA", FORMAT);
        site(-0x2880, "MBEDTLS_ERR_X509_ALLOC_FAILED", UNCATEGORIZED);
        site(-0x2900, "MBEDTLS_ERR_X509_FILE_IO_ERROR", UNCATEGORIZED);
        site(-0x2980, "MBEDTLS_ERR_X509_BUFFER_TOO_SMALL", UNCATEGORIZED);
        site(-0x3000, "MBEDTLS_ERR_X509_FATAL_ERROR", UNCATEGORIZED);
        ours(-0x1080, "MBEDTLS_ERR_PEM_NO_HEADER_FOOTER_PRESENT", FORMAT);
        ours(-0x1100, "MBEDTLS_ERR_PEM_INVALID_DATA", FORMAT);
        ours(-0x1180, "MBEDTLS_ERR_PEM_ALLOC_FAILED", UNCATEGORIZED);
        ours(-0x1200, "MBEDTLS_ERR_PEM_INVALID_ENC_IV", FORMAT);
        ours(-0x1280, "MBEDTLS_ERR_PEM_UNKNOWN_ENC_ALG", ALGORITHM);
        ours(-0x1300, "MBEDTLS_ERR_PEM_PASSWORD_REQUIRED", UNCATEGORIZED);
        ours(-0x1380, "MBEDTLS_ERR_PEM_PASSWORD_MISMATCH", UNCATEGORIZED);
        ours(-0x1400, "MBEDTLS_ERR_PEM_FEATURE_UNAVAILABLE", ALGORITHM);
        ours(-0x1480, "MBEDTLS_ERR_PEM_BAD_INPUT_DATA", FORMAT);
        ours(-0x3F80, "MBEDTLS_ERR_PK_ALLOC_FAILED", UNCATEGORIZED);
        ours(-0x3F00, "MBEDTLS_ERR_PK_TYPE_MISMATCH", ALGORITHM);
        ours(-0x3E80, "MBEDTLS_ERR_PK_BAD_INPUT_DATA", FORMAT);
        ours(-0x3E00, "MBEDTLS_ERR_PK_FILE_IO_ERROR", UNCATEGORIZED);
        ours(-0x3D80, "MBEDTLS_ERR_PK_KEY_INVALID_VERSION", FORMAT);
        ours(-0x3D00, "MBEDTLS_ERR_PK_KEY_INVALID_FORMAT", FORMAT);
        ours(-0x3C80, "MBEDTLS_ERR_PK_UNKNOWN_PK_ALG", ALGORITHM);
        ours(-0x3C00, "MBEDTLS_ERR_PK_PASSWORD_REQUIRED", UNCATEGORIZED);
        ours(-0x3B80, "MBEDTLS_ERR_PK_PASSWORD_MISMATCH", UNCATEGORIZED);
        ours(-0x3B00, "MBEDTLS_ERR_PK_INVALID_PUBKEY", FORMAT);
        ours(-0x3A80, "MBEDTLS_ERR_PK_INVALID_ALG", ALGORITHM);
        ours(-0x3A00, "MBEDTLS_ERR_PK_UNKNOWN_NAMED_CURVE", ALGORITHM);
        ours(-0x3980, "MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE", ALGORITHM);
        ours(-0x3900, "MBEDTLS_ERR_PK_SIG_LEN_MISMATCH", UNCATEGORIZED);
        ours(-0x3880, "MBEDTLS_ERR_PK_BUFFER_TOO_SMALL", UNCATEGORIZED);
        ours(-0x0060, "MBEDTLS_ERR_ASN1_OUT_OF_DATA", FORMAT);
        ours(-0x0062, "MBEDTLS_ERR_ASN1_UNEXPECTED_TAG", FORMAT);
        ours(-0x0064, "MBEDTLS_ERR_ASN1_INVALID_LENGTH", FORMAT);
        ours(-0x0066, "MBEDTLS_ERR_ASN1_LENGTH_MISMATCH", FORMAT);
        ours(-0x0068, "MBEDTLS_ERR_ASN1_INVALID_DATA", FORMAT);
        ours(-0x006A, "MBEDTLS_ERR_ASN1_ALLOC_FAILED", UNCATEGORIZED);
        ours(-0x006C, "MBEDTLS_ERR_ASN1_BUF_TOO_SMALL", UNCATEGORIZED);
        ours(-0x002E, "MBEDTLS_ERR_OID_NOT_FOUND", ALGORITHM);
        ours(-0x002A, "MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL", UNCATEGORIZED);
        ours(-0x002C, "MBEDTLS_ERR_BASE64_INVALID_CHARACTER", FORMAT);
        ours(-0x000B, "MBEDTLS_ERR_OID_BUF_TOO_SMALL", UNCATEGORIZED);
        none(-0x0042, "MBEDTLS_ERR_NET_SOCKET_FAILED");
        none(-0x0044, "MBEDTLS_ERR_NET_CONNECT_FAILED");
        none(-0x0046, "MBEDTLS_ERR_NET_BIND_FAILED");
        none(-0x0048, "MBEDTLS_ERR_NET_LISTEN_FAILED");
        none(-0x004A, "MBEDTLS_ERR_NET_ACCEPT_FAILED");
        none(-0x004C, "MBEDTLS_ERR_NET_RECV_FAILED");
        none(-0x004E, "MBEDTLS_ERR_NET_SEND_FAILED");
        none(-0x0050, "MBEDTLS_ERR_NET_CONN_RESET");
        none(-0x0052, "MBEDTLS_ERR_NET_UNKNOWN_HOST");
        none(-0x0043, "MBEDTLS_ERR_NET_BUFFER_TOO_SMALL");
        none(-0x0045, "MBEDTLS_ERR_NET_INVALID_CONTEXT");
        none(-0x0047, "MBEDTLS_ERR_NET_POLL_FAILED");
        none(-0x0049, "MBEDTLS_ERR_NET_BAD_INPUT_DATA");
    }

    private final int code;
    private final String name;
    private final VerifyCategory category;
    private final String documentationUrl;

    private MbedTlsError(int code, String name, VerifyCategory category, String documentationUrl) {
        this.code = code;
        this.name = name;
        this.category = category;
        this.documentationUrl = documentationUrl;
    }

    /** A code on x509errors.org: its category there, and a link to its entry. */
    private static void site(int code, String name, VerifyCategory category) {
        // The site's entry for MBEDTLS_ERR_X509_BAD_INPUT_DATA is spelled "...-bad-input-date".
        String slug = name.equals("MBEDTLS_ERR_X509_BAD_INPUT_DATA")
                ? "mbedtls-err-x509-bad-input-date" : name.toLowerCase(Locale.ROOT).replace('_', '-');
        BY_CODE.put(code, new MbedTlsError(code, name, category, VerifyCategory.documentationUrl(slug)));
    }

    /** A certificate-parsing code the site does not list: this binding's category, no link. */
    private static void ours(int code, String name, VerifyCategory category) {
        BY_CODE.put(code, new MbedTlsError(code, name, category, null));
    }

    /** A code outside the taxonomy. */
    private static void none(int code, String name) {
        BY_CODE.put(code, new MbedTlsError(code, name, null, null));
    }

    /** Every code named here (NativeConstantsTest compares them with the headers). */
    static Collection<MbedTlsError> all() {
        return Collections.unmodifiableCollection(BY_CODE.values());
    }

    /** The error with exactly this code (one part, high- or low-level), if named here. */
    public static Optional<MbedTlsError> of(int code) {
        return Optional.ofNullable(BY_CODE.get(code));
    }

    /**
     * The C expression for {@code code}: {@code MBEDTLS_ERR_X509_INVALID_DATE},
     * {@code MBEDTLS_ERR_X509_INVALID_FORMAT + MBEDTLS_ERR_ASN1_OUT_OF_DATA}; a part not named
     * here is written in hex ({@code -0x7780}); {@code 0} is {@code 0}.
     */
    public static String name(int code) {
        if (code >= 0) {
            return Integer.toString(code);
        }
        int high = highLevel(code);
        int low = lowLevel(code);
        if (high != 0 && low != 0) {
            return partName(high) + " + " + partName(low);
        }
        return partName(high != 0 ? high : low);
    }

    /** The x509errors.org category of {@code code}: its high-level part's if that has one, else its low-level part's. */
    public static Optional<VerifyCategory> category(int code) {
        return part(code).map(e -> e.category);
    }

    /** The x509errors.org entry of {@code code}'s high-level part (or low-level part, if alone), if the site has one. */
    public static Optional<String> documentationUrl(int code) {
        return part(code).map(e -> e.documentationUrl);
    }

    /** The high-level part of {@code code} ({@code 0} if none), e.g. {@code -0x2180}. */
    public static int highLevel(int code) {
        return code < 0 ? -((-code) & 0xFF80) : 0;
    }

    /** The low-level part of {@code code} ({@code 0} if none), e.g. {@code -0x0060}. */
    public static int lowLevel(int code) {
        return code < 0 ? -((-code) & 0x007F) : 0;
    }

    /** The code, negative, e.g. {@code -0x2180}. */
    public int code() {
        return code;
    }

    /** The C macro, e.g. {@code MBEDTLS_ERR_X509_INVALID_FORMAT}. */
    public String name() {
        return name;
    }

    /** The x509errors.org category (see the class description), or empty. */
    public Optional<VerifyCategory> category() {
        return Optional.ofNullable(category);
    }

    /** The entry on x509errors.org, e.g. {@code https://x509errors.org/mbedtls#mbedtls-err-x509-invalid-date-link}, or empty. */
    public Optional<String> documentationUrl() {
        return Optional.ofNullable(documentationUrl);
    }

    @Override
    public String toString() {
        return name + " (" + MbedTlsException.formatCode(code) + ")";
    }

    private static Optional<MbedTlsError> part(int code) {
        MbedTlsError high = BY_CODE.get(highLevel(code));
        if (high != null && high.category != null) {
            return Optional.of(high);
        }
        return highLevel(code) == 0 ? of(lowLevel(code)).filter(e -> e.category != null) : Optional.empty();
    }

    private static String partName(int part) {
        if (part == -0x3880 && MbedTls.versionNumber() < 0x03000000) {
            return "MBEDTLS_ERR_PK_HW_ACCEL_FAILED"; // 2.28's name; 3.x reuses the code
        }
        MbedTlsError e = BY_CODE.get(part);
        return e != null ? e.name : MbedTlsException.formatCode(part);
    }
}
