package io.github.mbedtlsjni.mbedtls;

import io.github.mbedtlsjni.internal.InputFiles;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
 *
 * <p>Per CRL of the list (index 0 is the first parsed), what Mbed TLS parsed: {@link #issuer},
 * {@link #version}, {@link #thisUpdate}, {@link #nextUpdate}, {@link #signatureAlgorithm},
 * the revoked {@link #entries} and {@link #info}. An index outside the list throws
 * {@link IndexOutOfBoundsException}.
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

    /** The issuer of CRL {@code index} as {@code mbedtls_x509_dn_gets} writes it. */
    public String issuer(int index) {
        return read(index, X509Crl::nIssuer);
    }

    /** The version of CRL {@code index} as Mbed TLS stores it: 1 or 2. */
    public int version(int index) {
        return read(index, X509Crl::nFields)[0];
    }

    /** When CRL {@code index} was issued, Mbed TLS's {@code this_update} (UTC). */
    public Instant thisUpdate(int index) {
        return X509Crt.utc(read(index, (self, i) -> nTime(self, i, 0)), 0);
    }

    /**
     * When the issuer promises the next CRL, Mbed TLS's {@code next_update} (UTC; past it, Mbed
     * TLS flags the CRL {@code BADCRL_EXPIRED}), or null if the CRL has none.
     */
    public Instant nextUpdate(int index) {
        int[] t = read(index, (self, i) -> nTime(self, i, 1));
        return t[0] == 0 ? null : X509Crt.utc(t, 0);
    }

    /**
     * The signature algorithm of CRL {@code index} as {@code mbedtls_oid_get_sig_alg_desc} names
     * it, e.g. {@code ECDSA with SHA256}; null if Mbed TLS has no name for it.
     */
    public String signatureAlgorithm(int index) {
        return read(index, X509Crl::nSignatureAlgorithm);
    }

    /**
     * {@code mbedtls_x509_crl_info} for CRL {@code index}: a multi-line description, every
     * revoked serial included.
     */
    public String info(int index) {
        return read(index, X509Crl::nInfo);
    }

    /** The revoked certificates CRL {@code index} lists, in its order (Mbed TLS's {@code entry} list). */
    public List<Entry> entries(int index) {
        return read(index, (self, i) -> {
            int[][] timesOut = new int[1][];
            byte[][] bytes = nEntries(self, i, timesOut); // one native call, one walk of the entries
            int[] times = timesOut[0];
            List<Entry> entries = new ArrayList<>(bytes.length / 2);
            for (int e = 0; e < bytes.length / 2; e++) {
                entries.add(new Entry(bytes[2 * e], X509Crt.utc(times, 7 * e), times[7 * e + 6], bytes[2 * e + 1]));
            }
            return List.copyOf(entries);
        });
    }

    /**
     * One revoked certificate of a CRL ({@code mbedtls_x509_crl_entry}). An immutable value.
     * Mbed TLS keeps an entry's extensions raw and reads none of them; the reason code is read
     * from them with Mbed TLS's ASN.1 parser.
     */
    public static final class Entry {
        /** {@link #reasonCode()} of an entry without one. */
        public static final int NO_REASON = -1;
        /** {@link #reasonCode()} of an entry whose extensions are not well-formed DER. */
        public static final int MALFORMED_EXTENSIONS = -2;

        private final byte[] serial;
        private final Instant revocationDate;
        private final int reasonCode;
        private final byte[] extensions;

        private Entry(byte[] serial, Instant revocationDate, int reasonCode, byte[] extensions) {
            this.serial = serial;
            this.revocationDate = revocationDate;
            this.reasonCode = reasonCode;
            this.extensions = extensions;
        }

        /** The revoked certificate's serial number, its bytes as encoded (a copy). */
        public byte[] serial() {
            return serial.clone();
        }

        /** When the certificate was revoked (UTC). */
        public Instant revocationDate() {
            return revocationDate;
        }

        /**
         * The CRLReason (RFC 5280 5.3.1: 0 unspecified, 1 keyCompromise, ... 10 aACompromise),
         * {@link #NO_REASON}, or {@link #MALFORMED_EXTENSIONS}.
         */
        public int reasonCode() {
            return reasonCode;
        }

        /** The entry's crlEntryExtensions as DER (a copy), or null without any. */
        public byte[] extensions() {
            return extensions == null ? null : extensions.clone();
        }

        @Override
        public String toString() {
            StringBuilder hex = new StringBuilder();
            for (byte b : serial) {
                hex.append(String.format("%02X", b & 0xFF));
            }
            return "Entry[serial " + hex + ", revoked " + revocationDate
                    + (reasonCode >= 0 ? ", reason " + reasonCode : "") + "]";
        }
    }

    /** A read of CRL {@code index} under the read lock, with the index checked. */
    private <T> T read(int index, ListGuard.ElementReader<T> reader) {
        return guard.readElement(handle, index, X509Crl::nCount, "CRL", "list", reader);
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

    private static native int[] nFields(long crl, int index);

    private static native String nIssuer(long crl, int index);

    private static native int[] nTime(long crl, int index, int which);

    private static native String nSignatureAlgorithm(long crl, int index);

    private static native String nInfo(long crl, int index);

    /** The entries' serials and extensions; their dates and reason codes in {@code timesOut[0]} (seven ints each). */
    private static native byte[][] nEntries(long crl, int index, int[][] timesOut);
}
