package io.github.mbedtlsjni.cli;

import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.VerifyResult;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.util.ArrayList;
import java.util.List;

/** What one {@code connect} run found out: an immutable value, printed by {@link Report}. */
final class ConnectResult {
    /** Exit status: the handshake completed and the certificate verified (or --verify optional). */
    static final int OK = 0;
    /** Exit status: the certificate did not verify. */
    static final int VERIFY_FAILED = 1;
    /** Exit status: any other failure (network, TLS; for verify, a chain Mbed TLS cannot parse). */
    static final int FAILED = 2;
    /** Exit status: bad usage, including a file given that cannot be used (BSD sysexits' EX_USAGE). */
    static final int USAGE = 64;

    final ConnectOptions options;
    /** True once the handshake completed. */
    final boolean handshakeOk;
    /** True if the handshake failed because the certificate did not verify (--verify required). */
    final boolean verifyFailed;
    /** The Mbed TLS error code of the failure, 0 if none (or if the failure has no Mbed TLS code). */
    final int errorCode;
    /** What went wrong, or null. */
    final String error;
    /** The verification result, or null if no certificate was verified. */
    final VerifyResult verify;
    /** The negotiated protocol ({@code TLSv1.3}), cipher suite and the peer's subject, or null. */
    final String protocol;
    final String ciphersuite;
    final String peerSubject;
    /** The linked Mbed TLS version, or null if the native library could not be loaded. */
    final String mbedtlsVersion;
    /** With --send: what the server answered (possibly empty), or null if nothing was sent. */
    final String received;
    /** With --alpn: the negotiated protocol, or null. */
    final String alpn;
    /** With --show-chain: the server's certificates, leaf first (empty if unknown); otherwise empty. */
    final List<ChainEntry> chain;
    /** With --reconnect: one entry per reconnection made; otherwise empty. */
    final List<Resumption> resumptions;

    /**
     * One certificate of a chain (the server's, for --show-chain; the one given to verify), all
     * as Mbed TLS reads it: the JDK's parser is not involved.
     */
    static final class ChainEntry {
        /** {@code mbedtls_x509_dn_gets} of the subject and issuer; null where Mbed TLS refuses to print it. */
        final String subject;
        final String issuer;
        /** Mbed TLS's valid_from and valid_to, ISO 8601, UTC, e.g. {@code 2025-01-31T12:00:00Z}. */
        final String notBefore;
        final String notAfter;
        /** The SHA-256 of the DER encoding Mbed TLS holds, lowercase hex. */
        final String sha256;

        ChainEntry(String subject, String issuer, String notBefore, String notAfter, String sha256) {
            this.subject = subject;
            this.issuer = issuer;
            this.notBefore = notBefore;
            this.notAfter = notAfter;
            this.sha256 = sha256;
        }

        /** Every certificate of {@code chain}, in order. */
        static List<ChainEntry> of(X509Crt chain) {
            List<ChainEntry> entries = new ArrayList<>();
            for (int i = 0; i < chain.size(); i++) {
                entries.add(new ChainEntry(name(chain, i, true), name(chain, i, false), chain.validFrom(i).toString(),
                        chain.validTo(i).toString(), ConnectCommand.sha256Hex(chain.der(i))));
            }
            return entries;
        }

        /**
         * The subject (or issuer) of certificate {@code i} as Mbed TLS prints it, or null if it
         * refuses to (3.6 does for a NUL inside a name: it parsed the certificate all the same).
         */
        static String name(X509Crt chain, int i, boolean subject) {
            try {
                return subject ? chain.subject(i) : chain.issuer(i);
            } catch (MbedTlsException e) {
                return null;
            }
        }

        /** How text output shows a name: itself, or why there is none. */
        static String shown(String name) {
            return name == null ? "(a name Mbed TLS does not print)" : name.isEmpty() ? "(empty)" : name;
        }
    }

    /** One reconnection of --reconnect. */
    static final class Resumption {
        /** True if the handshake resumed the offered session (abbreviated handshake). */
        final boolean resumed;
        /** True if a session was offered (the connection before yielded one). */
        final boolean sessionOffered;
        final boolean handshakeOk;
        /** True if the handshake failed because the certificate did not verify. */
        final boolean verifyFailed;
        final int errorCode;
        final String error;
        final String protocol;
        final String ciphersuite;

        Resumption(boolean resumed, boolean sessionOffered, boolean handshakeOk, boolean verifyFailed, int errorCode,
                String error, String protocol, String ciphersuite) {
            this.resumed = resumed;
            this.sessionOffered = sessionOffered;
            this.handshakeOk = handshakeOk;
            this.verifyFailed = verifyFailed;
            this.errorCode = errorCode;
            this.error = error;
            this.protocol = protocol;
            this.ciphersuite = ciphersuite;
        }
    }

    ConnectResult(ConnectOptions options, boolean handshakeOk, boolean verifyFailed, int errorCode, String error,
            VerifyResult verify, String protocol, String ciphersuite, String peerSubject, String mbedtlsVersion,
            String received) {
        this(options, handshakeOk, verifyFailed, errorCode, error, verify, protocol, ciphersuite, peerSubject,
                mbedtlsVersion, received, null, List.of(), List.of());
    }

    ConnectResult(ConnectOptions options, boolean handshakeOk, boolean verifyFailed, int errorCode, String error,
            VerifyResult verify, String protocol, String ciphersuite, String peerSubject, String mbedtlsVersion,
            String received, String alpn, List<ChainEntry> chain, List<Resumption> resumptions) {
        this.options = options;
        this.handshakeOk = handshakeOk;
        this.verifyFailed = verifyFailed;
        this.errorCode = errorCode;
        this.error = error;
        this.verify = verify;
        this.protocol = protocol;
        this.ciphersuite = ciphersuite;
        this.peerSubject = peerSubject;
        this.mbedtlsVersion = mbedtlsVersion;
        this.received = received;
        this.alpn = alpn;
        this.chain = List.copyOf(chain);
        this.resumptions = List.copyOf(resumptions);
    }

    /**
     * {@link #OK}, {@link #VERIFY_FAILED} or {@link #FAILED}: the first connection decides; if it
     * succeeded, a failed reconnection is a failure too (one whose certificate did not verify,
     * {@link #VERIFY_FAILED}). A reconnection that was not resumed is no failure.
     */
    int exitStatus() {
        if (verifyFailed) {
            return VERIFY_FAILED;
        }
        if (error != null) {
            return FAILED;
        }
        for (Resumption r : resumptions) {
            if (r.verifyFailed) {
                return VERIFY_FAILED;
            }
            if (r.error != null) {
                return FAILED;
            }
        }
        return OK;
    }
}
