package io.github.mbedtlsjni.jsse;

import java.security.AlgorithmConstraints;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLParameters;

/**
 * The settings of an engine (a socket has none of its own: its engine's are its settings), as
 * an immutable value: {@code getSSLParameters} hands out a copy as JSSE's {@link SSLParameters},
 * {@code setSSLParameters} makes a new value by SunJSSE's rules. Unchanged arrays are kept, not
 * copied again, and every engine of a context starts with the context's one default value, so
 * connections with the default settings (or set to the same ones) share their arrays, and the
 * context's config cache recognises them at once ({@link #suitesHash}).
 */
final class Parameters {
    private static final String[] NO_PROTOCOLS = new String[0];

    private final String[] suites; // never handed out: callers get copies
    private final int suitesHash;
    private final String[] protocols;
    private final List<SNIServerName> serverNames; // null: the peer host's
    private final String identification; // as set: null for none
    private final AlgorithmConstraints constraints;
    private final String[] applicationProtocols;
    private final boolean suitesOrder;
    private final ClientAuth clientAuth;
    private final List<String> usableProtocols;

    /** A server's request for client certificates, as {@code setNeedClientAuth}/{@code setWantClientAuth} set it. */
    enum ClientAuth {
        /** No certificate asked for (Mbed TLS's {@code VERIFY_NONE}). */
        NONE,
        /** Asked for, may be missing; one sent must verify (Mbed TLS's {@code VERIFY_OPTIONAL}). */
        WANTED,
        /** Asked for and required (Mbed TLS's {@code VERIFY_REQUIRED}). */
        NEEDED
    }

    private Parameters(String[] suites, int suitesHash, String[] protocols, List<SNIServerName> serverNames,
            String identification, AlgorithmConstraints constraints, String[] applicationProtocols, boolean suitesOrder,
            ClientAuth clientAuth) {
        this.suites = suites;
        this.suitesHash = suitesHash;
        this.protocols = protocols;
        this.serverNames = serverNames;
        this.identification = identification;
        this.constraints = constraints;
        this.applicationProtocols = applicationProtocols;
        this.suitesOrder = suitesOrder;
        this.clientAuth = clientAuth;
        this.usableProtocols = Protocols.usable(protocols);
    }

    /** The parameters of a new engine: every suite this build has, the context's protocols. */
    static Parameters defaults(String[] suites, String[] protocols) {
        // useCipherSuitesOrder: SunJSSE's default (a server's setting)
        return new Parameters(suites, Arrays.hashCode(suites), protocols, null, null, null, NO_PROTOCOLS, true,
                ClientAuth.NONE);
    }

    /** A copy as JSSE's parameters. */
    SSLParameters toSslParameters() {
        SSLParameters p = new SSLParameters(suites, protocols); // copies the arrays
        if (serverNames != null) {
            p.setServerNames(serverNames);
        }
        p.setEndpointIdentificationAlgorithm(identification);
        p.setAlgorithmConstraints(constraints);
        p.setApplicationProtocols(applicationProtocols);
        p.setUseCipherSuitesOrder(suitesOrder);
        if (clientAuth == ClientAuth.NEEDED) {
            p.setNeedClientAuth(true);
        } else if (clientAuth == ClientAuth.WANTED) {
            p.setWantClientAuth(true);
        }
        return p;
    }

    /**
     * These parameters changed by {@code update} as SunJSSE's {@code setSSLParameters} does: what
     * {@code update} leaves null (cipher suites, protocols, server names, endpoint
     * identification, algorithm constraints) stays as it was; application protocols (empty: none)
     * the cipher suite order and client authentication (need, else want, else none) are taken as
     * they are. The rest (SNI matchers, packet size) is not used. Names are checked as {@code setEnabled*} does,
     * unless they are the ones already set.
     *
     * @throws IllegalArgumentException naming an unknown cipher suite or protocol
     */
    Parameters with(SSLParameters update) {
        Objects.requireNonNull(update, "params");
        String[] newSuites = update.getCipherSuites();
        String[] newProtocols = update.getProtocols();
        boolean sameSuites = newSuites == null || Arrays.equals(newSuites, suites);
        String[] alpn = update.getApplicationProtocols();
        return new Parameters(sameSuites ? suites : CipherSuites.check(newSuites),
                sameSuites ? suitesHash : Arrays.hashCode(newSuites),
                newProtocols == null || Arrays.equals(newProtocols, protocols) ? protocols : Protocols.check(newProtocols),
                update.getServerNames() != null ? update.getServerNames() : serverNames,
                update.getEndpointIdentificationAlgorithm() != null ? update.getEndpointIdentificationAlgorithm()
                        : identification,
                update.getAlgorithmConstraints() != null ? update.getAlgorithmConstraints() : constraints,
                Arrays.equals(alpn, applicationProtocols) ? applicationProtocols : alpn,
                update.getUseCipherSuitesOrder(), update.getNeedClientAuth() ? ClientAuth.NEEDED
                        : update.getWantClientAuth() ? ClientAuth.WANTED : ClientAuth.NONE);
    }

    /** {@code setEnabledCipherSuites}: checked as SunJSSE does. */
    Parameters withSuites(String[] newSuites) {
        String[] checked = CipherSuites.check(newSuites);
        return new Parameters(checked, Arrays.hashCode(checked), protocols, serverNames, identification, constraints,
                applicationProtocols, suitesOrder, clientAuth);
    }

    /** {@code setEnabledProtocols}: checked as SunJSSE does. */
    Parameters withProtocols(String[] newProtocols) {
        return new Parameters(suites, suitesHash, Protocols.check(newProtocols), serverNames, identification,
                constraints, applicationProtocols, suitesOrder, clientAuth);
    }

    /** {@code setNeedClientAuth}/{@code setWantClientAuth}: the last call decides, as in SunJSSE. */
    Parameters withClientAuth(ClientAuth auth) {
        return new Parameters(suites, suitesHash, protocols, serverNames, identification, constraints,
                applicationProtocols, suitesOrder, auth);
    }

    /** Whether a server asks for client certificates, and insists. */
    ClientAuth clientAuth() {
        return clientAuth;
    }

    /** The enabled cipher suites; not to be changed. */
    String[] suites() {
        return suites;
    }

    /** {@code Arrays.hashCode(suites())}, computed once. */
    int suitesHash() {
        return suitesHash;
    }

    /** The enabled protocols; not to be changed. */
    String[] protocols() {
        return protocols;
    }

    /** The enabled protocols this build speaks, newest first ({@link Protocols#usable}). */
    List<String> usableProtocols() {
        return usableProtocols;
    }

    /** The ALPN protocols to offer (empty: none); not to be changed. */
    String[] applicationProtocols() {
        return applicationProtocols;
    }

    /** The endpoint identification algorithm as set (null or empty: none). */
    String endpointIdentification() {
        return identification;
    }

    /** The endpoint identification algorithm in upper case, "" for none. */
    String identification() {
        return identification == null ? "" : identification.toUpperCase(Locale.ROOT);
    }

    /** The server names set, or null: the peer host's ({@link #serverNames(String)}). */
    List<SNIServerName> serverNamesSet() {
        return serverNames;
    }

    /**
     * The server names a handshake sends: those set (an empty list: no SNI), else the peer
     * host's, as SunJSSE does (none for an IP address, or a name SNI cannot carry).
     */
    List<SNIServerName> serverNames(String host) {
        if (serverNames != null) {
            return serverNames;
        }
        if (host == null || host.isEmpty() || isIpLiteral(host)) {
            return List.of();
        }
        try {
            return List.of(new SNIHostName(host));
        } catch (IllegalArgumentException notAnSniName) {
            return List.of();
        }
    }

    static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if ((c < '0' || c > '9') && c != '.') {
                return false;
            }
        }
        return !host.isEmpty();
    }
}
