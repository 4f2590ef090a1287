package io.github.mbedtlsjni.cli;

import io.github.mbedtlsjni.VerifyResult;

/** What one {@code connect} run found out: an immutable value, printed by {@link Report}. */
final class ConnectResult {
    /** Exit status: the handshake completed and the certificate verified (or --verify optional). */
    static final int OK = 0;
    /** Exit status: the certificate did not verify. */
    static final int VERIFY_FAILED = 1;
    /** Exit status: any other failure (network, TLS, files). */
    static final int FAILED = 2;
    /** Exit status: bad usage (BSD sysexits' EX_USAGE). */
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

    ConnectResult(ConnectOptions options, boolean handshakeOk, boolean verifyFailed, int errorCode, String error,
            VerifyResult verify, String protocol, String ciphersuite, String peerSubject, String mbedtlsVersion,
            String received) {
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
    }

    /** {@link #OK}, {@link #VERIFY_FAILED} or {@link #FAILED}. */
    int exitStatus() {
        if (verifyFailed) {
            return VERIFY_FAILED;
        }
        return error == null ? OK : FAILED;
    }
}
