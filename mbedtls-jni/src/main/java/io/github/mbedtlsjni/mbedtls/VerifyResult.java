package io.github.mbedtlsjni.mbedtls;

import io.github.mbedtlsjni.internal.NativeLibrary;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The outcome of certificate verification, as Mbed TLS reports it: the flags of
 * {@code mbedtls_ssl_get_verify_result} (or of {@code mbedtls_x509_crt_verify_with_profile}, see
 * {@link X509Crt#verify}) and the text
 * {@code mbedtls_x509_crt_verify_info} makes of them.
 *
 * <p>{@code 0} means the chain verified. {@code 0xFFFFFFFF} is Mbed TLS's "no verification
 * result" (for example after a handshake that failed before any certificate was checked):
 * {@link #isAvailable()} is then false and no flag is reported. Bits that {@link VerifyFlag}
 * does not name are kept in {@link #unknownBits()} and listed by {@link #flagNames()}.
 *
 * <p>Each flag has its category in the <a href="https://x509errors.org/">x509errors.org</a>
 * taxonomy and its entry there ({@link VerifyFlag#category()}, {@link VerifyFlag#documentationUrl()});
 * {@link #categories()} collects them. A plain value: no native memory.
 */
public final class VerifyResult {
    /** Mbed TLS's value for "no verification result is available". */
    public static final int NOT_AVAILABLE = 0xFFFFFFFF;

    private static final int KNOWN_BITS;

    static {
        int bits = 0;
        for (VerifyFlag f : VerifyFlag.values()) {
            bits |= f.bit();
        }
        KNOWN_BITS = bits;
    }

    private final int flags;
    private final String info;

    /**
     * @param flags the raw verify result
     * @param info {@code mbedtls_x509_crt_verify_info}'s text for it (may be empty)
     */
    public VerifyResult(int flags, String info) {
        this.flags = flags;
        this.info = info == null ? "" : info;
    }

    /**
     * The result for {@code flags} with Mbed TLS's text for them ({@code mbedtls_x509_crt_verify_info}),
     * e.g. for the flags an {@link X509VerifyCallback} gets for one certificate.
     */
    public static VerifyResult of(int flags) {
        NativeLibrary.ensureLoaded();
        return new VerifyResult(flags, flags == NOT_AVAILABLE ? "" : SslContext.nVerifyInfo(flags));
    }

    /** The raw flags as Mbed TLS returned them. */
    public int flags() {
        return flags;
    }

    /** False when Mbed TLS has no verification result ({@link #NOT_AVAILABLE}). */
    public boolean isAvailable() {
        return flags != NOT_AVAILABLE;
    }

    /** True when a verification ran and found nothing wrong. */
    public boolean isOk() {
        return flags == 0;
    }

    /** True when the given flag is set (never for an unavailable result). */
    public boolean has(VerifyFlag flag) {
        return isAvailable() && (flags & flag.bit()) != 0;
    }

    /** The named flags that are set. */
    public Set<VerifyFlag> flagSet() {
        EnumSet<VerifyFlag> set = EnumSet.noneOf(VerifyFlag.class);
        if (isAvailable()) {
            for (VerifyFlag f : VerifyFlag.values()) {
                if ((flags & f.bit()) != 0) {
                    set.add(f);
                }
            }
        }
        return Collections.unmodifiableSet(set);
    }

    /** Set bits that have no {@link VerifyFlag} name (kept, never dropped). */
    public int unknownBits() {
        return isAvailable() ? flags & ~KNOWN_BITS : 0;
    }

    /**
     * The Mbed TLS macro names of the set flags, in bit order, e.g.
     * {@code [MBEDTLS_X509_BADCERT_EXPIRED, MBEDTLS_X509_BADCERT_CN_MISMATCH]}; each set bit
     * {@code x509.h} does not name appears as its hex value, e.g. {@code 0x00100000}. Empty when
     * the chain verified or no result is available. (The CLI's {@code verify_flag_names}.)
     */
    public List<String> flagNames() {
        List<String> names = new ArrayList<>();
        if (isAvailable()) {
            for (int i = 0; i < 32; i++) {
                int bit = 1 << i;
                if ((flags & bit) != 0) {
                    VerifyFlag f = VerifyFlag.ofBit(bit);
                    names.add(f != null ? f.mbedtlsName() : String.format("0x%08X", bit));
                }
            }
        }
        return Collections.unmodifiableList(names);
    }

    /**
     * The x509errors.org categories of the set flags, each once, in the taxonomy's order
     * ({@link VerifyCategory}); an unknown bit counts as {@link VerifyCategory#UNCATEGORIZED}.
     * Empty when the chain verified or no result is available.
     */
    public Set<VerifyCategory> categories() {
        EnumSet<VerifyCategory> set = EnumSet.noneOf(VerifyCategory.class);
        for (VerifyFlag f : flagSet()) {
            set.add(f.category());
        }
        if (unknownBits() != 0) {
            set.add(VerifyCategory.UNCATEGORIZED);
        }
        return Collections.unmodifiableSet(set);
    }

    /** {@link #categories()} as the site's tags, e.g. {@code [time, name]}. (The CLI's {@code verify_categories}.) */
    public List<String> categoryTags() {
        List<String> tags = new ArrayList<>();
        for (VerifyCategory c : categories()) {
            tags.add(c.tag());
        }
        return Collections.unmodifiableList(tags);
    }

    /**
     * {@code mbedtls_x509_crt_verify_info(buf, size, prefix, flags)}: Mbed TLS's text for any
     * verify flags, one line per flag it names, each starting with {@code prefix} (bits it does
     * not name are left out; empty for 0). {@link #info()} is this with an empty prefix. The
     * buffer is large enough for every flag, so the text is never cut short.
     *
     * @param flags {@code MBEDTLS_X509_BADCERT_*}/{@code BADCRL_*} bits ({@link VerifyFlag#bit()})
     * @param prefix put before each line (may be empty)
     * @throws IllegalArgumentException if {@code prefix} holds a NUL character, which would end it in C
     */
    public static String verifyInfo(int flags, String prefix) {
        Objects.requireNonNull(prefix, "prefix (may be empty)");
        if (prefix.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a prefix with a NUL character would be cut short in C");
        }
        NativeLibrary.ensureLoaded();
        return X509Crt.nVerifyInfo(flags, prefix);
    }

    /** {@code mbedtls_x509_crt_verify_info}'s text: one line per flag, possibly empty. */
    public String info() {
        return info;
    }

    /** A one-line summary: the flag names (or "ok", or "no verification result"). */
    public String describe() {
        if (!isAvailable()) {
            return "no verification result";
        }
        if (flags == 0) {
            return "ok";
        }
        StringBuilder sb = new StringBuilder("verify flags 0x").append(Integer.toHexString(flags)).append(':');
        for (VerifyFlag f : flagSet()) {
            sb.append(' ').append(f.name());
        }
        if (unknownBits() != 0) {
            sb.append(" unknown 0x").append(Integer.toHexString(unknownBits()));
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VerifyResult && ((VerifyResult) o).flags == flags && ((VerifyResult) o).info.equals(info);
    }

    @Override
    public int hashCode() {
        return flags * 31 + info.hashCode();
    }

    @Override
    public String toString() {
        return describe();
    }
}
