package io.github.mbedtlsjni.testing;

import java.util.Arrays;
import java.util.Collection;

/** The TLS versions the test servers can be limited to. */
public enum TlsProtocol {
    /** TLS 1.2 (RFC 5246). */
    TLS_1_2("TLSv1.2"),
    /** TLS 1.3 (RFC 8446). */
    TLS_1_3("TLSv1.3");

    private final String protocolName;

    TlsProtocol(String protocolName) {
        this.protocolName = protocolName;
    }

    /**
     * The protocol's standard name, as JSSE ({@code SSLSocket.setEnabledProtocols}) and
     * OpenSSL ({@code -min_protocol}/{@code -max_protocol}) both spell it: {@code TLSv1.2}.
     */
    public String protocolName() {
        return protocolName;
    }

    /** The standard names of {@code protocols}, for {@code setEnabledProtocols}. */
    public static String[] names(Collection<TlsProtocol> protocols) {
        return protocols.stream().map(TlsProtocol::protocolName).toArray(String[]::new);
    }

    /** Parses a standard name such as {@code TLSv1.3}. */
    public static TlsProtocol fromName(String name) {
        return Arrays.stream(values()).filter(p -> p.protocolName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown TLS protocol " + name));
    }
}
