package io.github.mbedtlsjni.jsse;

import io.github.mbedtlsjni.mbedtls.MbedTls;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The protocol names of JSSE ({@code TLSv1.2}, {@code TLSv1.3}) and what this build of Mbed TLS has. */
final class Protocols {
    static final String TLS12 = "TLSv1.2";
    static final String TLS13 = "TLSv1.3";
    /** Names JSSE knows; the older ones are accepted in an enabled list and ignored (never enabled here). */
    private static final Set<String> KNOWN = Set.of("SSLv2Hello", "SSLv3", "TLSv1", "TLSv1.1", TLS12, TLS13);
    private static final List<String> SUPPORTED = MbedTls.hasFeature("MBEDTLS_SSL_PROTO_TLS1_3")
            ? List.of(TLS13, TLS12) : List.of(TLS12);

    private Protocols() {}

    /** What this build can speak, newest first. */
    static List<String> supported() {
        return SUPPORTED;
    }

    /**
     * Checks an enabled-protocols list as JSSE does (an unknown name is an error).
     *
     * @throws IllegalArgumentException for a name JSSE does not know
     */
    static String[] check(String[] protocols) {
        for (String p : protocols) {
            if (p == null || !KNOWN.contains(p)) {
                throw new IllegalArgumentException("unsupported protocol: " + p + " (this provider knows "
                        + SUPPORTED + ")");
            }
        }
        return protocols.clone();
    }

    /** The enabled names this build supports, newest first (unmodifiable). */
    static List<String> usable(String[] enabled) {
        List<String> out = new ArrayList<>();
        for (String p : SUPPORTED) {
            for (String e : enabled) {
                if (p.equals(e)) {
                    out.add(p);
                }
            }
        }
        return List.copyOf(out);
    }

    static TlsVersion version(String name) {
        return TLS13.equals(name) ? TlsVersion.TLS1_3 : TlsVersion.TLS1_2;
    }
}
