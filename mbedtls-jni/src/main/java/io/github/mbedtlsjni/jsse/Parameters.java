package io.github.mbedtlsjni.jsse;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLParameters;

/**
 * The {@link SSLParameters} of an engine (a socket keeps none of its own: its engine's are its
 * parameters), with SunJSSE's rules for setting them and for the server names a handshake sends.
 */
final class Parameters {
    private Parameters() {}

    /** The parameters of a new engine: every suite this build has, the context's protocols. */
    static SSLParameters defaults(ContextState context) {
        SSLParameters p = new SSLParameters(context.defaultSuites().clone(), context.defaultProtocolNames().clone());
        p.setUseCipherSuitesOrder(true); // SunJSSE's default (a server's setting)
        return p;
    }

    /** An independent copy of parameters this class made (already checked). */
    static SSLParameters copy(SSLParameters p) {
        SSLParameters c = new SSLParameters(p.getCipherSuites(), p.getProtocols()); // the getters clone
        carry(p, c);
        c.setApplicationProtocols(p.getApplicationProtocols());
        c.setUseCipherSuitesOrder(p.getUseCipherSuitesOrder());
        return c;
    }

    /**
     * {@code current} changed by {@code update} as SunJSSE's {@code setSSLParameters} does: what
     * {@code update} leaves null (cipher suites, protocols, server names, endpoint
     * identification, algorithm constraints) stays as it was; application protocols (empty: none)
     * and the cipher suite order are taken as they are. A client has no use for the rest (client
     * authentication, SNI matchers, packet size). Names are checked as {@code setEnabled*} does,
     * unless they are the ones already set.
     *
     * @throws IllegalArgumentException naming an unknown cipher suite or protocol
     */
    static SSLParameters merged(SSLParameters current, SSLParameters update) {
        Objects.requireNonNull(update, "params");
        String[] suites = update.getCipherSuites();
        String[] protocols = update.getProtocols();
        String[] currentSuites = current.getCipherSuites();
        String[] currentProtocols = current.getProtocols();
        SSLParameters next = new SSLParameters(
                suites == null || Arrays.equals(suites, currentSuites) ? currentSuites : CipherSuites.check(suites),
                protocols == null || Arrays.equals(protocols, currentProtocols) ? currentProtocols
                        : Protocols.check(protocols));
        carry(current, next);
        if (update.getServerNames() != null) {
            next.setServerNames(update.getServerNames());
        }
        if (update.getEndpointIdentificationAlgorithm() != null) {
            next.setEndpointIdentificationAlgorithm(update.getEndpointIdentificationAlgorithm());
        }
        if (update.getAlgorithmConstraints() != null) {
            next.setAlgorithmConstraints(update.getAlgorithmConstraints());
        }
        next.setApplicationProtocols(update.getApplicationProtocols());
        next.setUseCipherSuitesOrder(update.getUseCipherSuitesOrder());
        return next;
    }

    /** Server names, endpoint identification and algorithm constraints of {@code from}, where set. */
    private static void carry(SSLParameters from, SSLParameters to) {
        if (from.getServerNames() != null) {
            to.setServerNames(from.getServerNames());
        }
        to.setEndpointIdentificationAlgorithm(from.getEndpointIdentificationAlgorithm());
        to.setAlgorithmConstraints(from.getAlgorithmConstraints());
    }

    /** The endpoint identification algorithm in upper case, "" for none. */
    static String identification(SSLParameters p) {
        String algorithm = p.getEndpointIdentificationAlgorithm();
        return algorithm == null ? "" : algorithm.toUpperCase(Locale.ROOT);
    }

    /**
     * The server names a handshake sends: those set in the parameters (an empty list: no SNI),
     * else the peer host's, as SunJSSE does (none for an IP address, or a name SNI cannot carry).
     */
    static List<SNIServerName> serverNames(SSLParameters p, String host) {
        if (p.getServerNames() != null) {
            return p.getServerNames();
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
