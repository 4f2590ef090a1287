package io.github.mbedtlsjni;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A list of certificate revocation lists, {@code mbedtls_x509_crl} (one CRL per issuer, chained).
 *
 * <p>{@code new X509Crl()} is {@code mbedtls_x509_crl_init}; each {@code parse*} method appends;
 * {@link #close()} is {@code mbedtls_x509_crl_free}. An {@link SslConfig} using it keeps it
 * allocated, and from then on it can no longer be changed.
 *
 * <p>Each {@code parse*} call takes PEM (any number of CRLs) or DER (one CRL); several calls, or
 * one PEM file with several CRLs, give the list Mbed TLS checks a chain against, where each CRL
 * applies to the certificates its issuer signed. Parse failures throw {@link X509ParseException}.
 */
public final class X509Crl extends NativeResource {
    private boolean frozen; // guarded by this

    /** {@code mbedtls_x509_crl_init}: an empty list. */
    public X509Crl() {
        super("X509Crl", X509Crl::nInit, X509Crl::nFree);
    }

    /** {@code mbedtls_x509_crl_parse}: appends the CRLs of {@code data} (PEM or DER). */
    public synchronized void parse(byte[] data) {
        Objects.requireNonNull(data, "data");
        checkMutable();
        long self = handle.acquire();
        try {
            synchronized (X509Crt.LIST_LOCK) {
                nParse(self, data);
            }
        } finally {
            handle.release();
        }
    }

    /** {@code mbedtls_x509_crl_parse_file}: appends the CRLs of a PEM or DER file. */
    public synchronized void parseFile(Path file) {
        Objects.requireNonNull(file, "file");
        checkMutable();
        long self = handle.acquire();
        try {
            synchronized (X509Crt.LIST_LOCK) {
                nParseFile(self, file.toString());
            }
        } finally {
            handle.release();
        }
    }

    /** The number of CRLs held. */
    public synchronized int size() {
        long self = handle.acquire();
        try {
            return nCount(self);
        } finally {
            handle.release();
        }
    }

    synchronized void freeze() {
        frozen = true;
    }

    private void checkMutable() {
        if (frozen) {
            throw new IllegalStateException("X509Crl is in use by an SslConfig and can no longer be changed");
        }
    }

    private static native long nInit();

    private static native void nFree(long crl);

    private static native void nParse(long crl, byte[] data);

    private static native void nParseFile(long crl, String path);

    private static native int nCount(long crl);
}
