package io.github.mbedtlsjni.jsse;

import io.github.mbedtlsjni.mbedtls.MbedTls;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Cipher suites by their IANA names (JSSE's), mapped to and from Mbed TLS's names. The table is
 * Mbed TLS's own ({@code mbedtls_ssl_list_ciphersuites}, in its order of preference): the IANA
 * name of each suite follows from its Mbed TLS name by one rule ({@code TLS1-3-AES-128-GCM-SHA256}
 * is {@code TLS_AES_128_GCM_SHA256}, {@code TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256} is
 * {@code TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}), which a test checks against the IANA code
 * points OpenSSL knows. Suites that need a pre-shared key are left out: the provider never has
 * one.
 */
final class CipherSuites {
    private static final int TLS13 = 1;
    private static final int PSK = 2;

    /** IANA name to Mbed TLS name, in Mbed TLS's order. */
    private static final Map<String, String> TO_MBED;
    private static final Map<String, String> TO_IANA;
    private static final Map<String, Integer> CODE_POINTS;
    private static final Set<String> TLS13_SUITES;
    private static final List<String> SUPPORTED;
    private static final Set<String> SIGNALLING = Set.of("TLS_EMPTY_RENEGOTIATION_INFO_SCSV", "TLS_FALLBACK_SCSV");

    static {
        MbedTls.version(); // loads the native library
        String[] names = nNames();
        int[] info = nInfo();
        Map<String, String> toMbed = new HashMap<>();
        Map<String, String> toIana = new HashMap<>();
        Map<String, Integer> codes = new HashMap<>();
        Set<String> tls13 = new LinkedHashSet<>();
        List<String> supported = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            if (names[i] == null || (info[i] & PSK) != 0) {
                continue;
            }
            String iana = ianaName(names[i]);
            toMbed.put(iana, names[i]);
            toIana.put(names[i], iana);
            codes.put(iana, info[i] >>> 2);
            if ((info[i] & TLS13) != 0) {
                tls13.add(iana);
            }
            supported.add(iana);
        }
        TO_MBED = Collections.unmodifiableMap(toMbed);
        TO_IANA = Collections.unmodifiableMap(toIana);
        CODE_POINTS = Collections.unmodifiableMap(codes);
        TLS13_SUITES = Collections.unmodifiableSet(tls13);
        SUPPORTED = List.copyOf(supported);
    }

    private CipherSuites() {}

    /** The IANA name for an Mbed TLS suite name, by the rule above. */
    static String ianaName(String mbedName) {
        String rest = mbedName.startsWith("TLS1-3-") ? "TLS-" + mbedName.substring("TLS1-3-".length()) : mbedName;
        return rest.replace('-', '_');
    }

    /** Every suite this build can use, IANA names, Mbed TLS's order of preference. */
    static List<String> supported() {
        return SUPPORTED;
    }

    /** The Mbed TLS name of an IANA name, or null if this build lacks it. */
    static String toMbed(String iana) {
        return TO_MBED.get(iana);
    }

    /** The IANA name of an Mbed TLS name, or {@code SSL_NULL_WITH_NULL_NULL} (JSSE's "none") if unknown. */
    static String toIana(String mbedName) {
        return mbedName == null ? "SSL_NULL_WITH_NULL_NULL" : TO_IANA.getOrDefault(mbedName, mbedName);
    }

    /** The IANA code point of a suite this build has, or -1. */
    static int codePoint(String iana) {
        return CODE_POINTS.getOrDefault(iana, -1);
    }

    static boolean isTls13(String iana) {
        return TLS13_SUITES.contains(iana);
    }

    /**
     * Checks an enabled-suites list as SunJSSE does: a name this build does not have is an
     * error. The signalling values SunJSSE lists ({@code TLS_EMPTY_RENEGOTIATION_INFO_SCSV},
     * {@code TLS_FALLBACK_SCSV}) are let through and do nothing: Mbed TLS sends renegotiation_info
     * itself. A pre-shared-key suite is refused saying so.
     *
     * @throws IllegalArgumentException naming the first suite this build does not have
     */
    static String[] check(String[] suites) {
        Objects.requireNonNull(suites, "suites");
        for (String s : suites) {
            if (s == null) {
                throw new IllegalArgumentException("a null cipher suite name");
            }
            if (s.contains("_PSK_")) {
                throw new IllegalArgumentException("cipher suite " + s + " needs a pre-shared key, and JSSE has no API "
                        + "to give one: the MbedTLS provider has no PSK suites (mbedtls-jni's SslConfig.setPsk, on a "
                        + "client, and setPskLookup, on a server, speak them)");
            }
            if (!TO_MBED.containsKey(s) && !SIGNALLING.contains(s)) {
                throw new IllegalArgumentException("unsupported cipher suite: " + s + " (this Mbed TLS "
                        + MbedTls.version() + " has " + SUPPORTED.size() + ", listed by getSupportedCipherSuites())");
            }
        }
        return suites.clone();
    }

    /** Mbed TLS's order of the given IANA names, the signalling values dropped. */
    static String[] toMbed(String[] iana) {
        List<String> out = new ArrayList<>();
        for (String name : iana) {
            String mbed = TO_MBED.get(name);
            if (mbed != null) {
                out.add(mbed);
            }
        }
        return out.toArray(new String[0]);
    }

    private static native String[] nNames();

    private static native int[] nInfo();
}
