package io.github.mbedtlsjni.mbedtls;

import io.github.mbedtlsjni.internal.InputFiles;
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
 * applies to the certificates its issuer signed. Parse failures throw {@link X509ParseException};
 * a file that is missing, unreadable or a directory is refused before Mbed TLS reads it
 * ({@link java.io.UncheckedIOException} around the JDK's {@link java.nio.file.FileSystemException}).
 * Threads as for {@link X509Crt}: readers in parallel, an append alone, different lists apart.
 */
public final class X509Crl extends NativeResource {
    private static final Type TYPE = new Type("X509Crl") {
        @Override
        long allocate() {
            return nInit();
        }

        @Override
        void free(long pointer) {
            nFree(pointer);
        }
    };

    final ListGuard guard = new ListGuard("X509Crl");

    /** {@code mbedtls_x509_crl_init}: an empty list. */
    public X509Crl() {
        super(TYPE);
    }

    /** {@code mbedtls_x509_crl_parse}: appends the CRLs of {@code data} (PEM or DER). */
    public void parse(byte[] data) {
        Objects.requireNonNull(data, "data");
        guard.lockForAppend();
        try {
            long self = handle.acquire();
            try {
                nParse(self, data);
            } finally {
                handle.release();
            }
        } catch (X509ParseException e) {
            throw X509Crt.explained(e, null, InputFiles.keyStoreHint(data, "CRLs"));
        } finally {
            guard.unlockAppend();
        }
    }

    /**
     * {@code mbedtls_x509_crl_parse_file}: appends the CRLs of a PEM or DER file.
     *
     * @throws java.io.UncheckedIOException if the file does not exist, cannot be read or is a
     *     directory (checked before Mbed TLS reads it)
     * @throws X509ParseException naming the file if Mbed TLS cannot parse it
     */
    public void parseFile(Path file) {
        Objects.requireNonNull(file, "file");
        InputFiles.requireReadableFile(file, "give one file of PEM or DER CRLs");
        guard.lockForAppend();
        try {
            long self = handle.acquire();
            try {
                nParseFile(self, file.toString());
            } finally {
                handle.release();
            }
        } catch (X509ParseException e) {
            throw X509Crt.explained(e, file, InputFiles.keyStoreHint(file, "CRLs"));
        } finally {
            guard.unlockAppend();
        }
    }

    /** The number of CRLs held. */
    public int size() {
        guard.lockForRead();
        try {
            long self = handle.acquire();
            try {
                return nCount(self);
            } finally {
                handle.release();
            }
        } finally {
            guard.unlockRead();
        }
    }

    /** Called under the config's lock when a config starts using this list: no appends from now on. */
    void freeze() {
        guard.freeze();
    }

    private static native long nInit();

    private static native void nFree(long crl);

    private static native void nParse(long crl, byte[] data);

    private static native void nParseFile(long crl, String path);

    private static native int nCount(long crl);
}
