package io.github.mbedtlsjni.internal;

import io.github.mbedtlsjni.TlsClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * What the thin classes check before Mbed TLS reads a file, and how they explain what Mbed TLS
 * could not parse. Mbed TLS reports a missing or unreadable file as "Read/write of file failed"
 * and a directory as "Memory allocation failed" (its loader asks for the directory's size in
 * memory); the JDK can tell which it is, so these checks come first and fail with the JDK's own
 * exceptions, wrapped in {@link UncheckedIOException} ({@link TlsClient}'s builder unwraps them).
 */
public final class InputFiles {
    private InputFiles() {}

    /**
     * Throws {@link UncheckedIOException} around {@link NoSuchFileException},
     * {@link AccessDeniedException} or, for a directory, a {@link FileSystemException} whose
     * reason ends with {@code directoryHint} (or nothing), unless {@code file} can be opened.
     */
    public static void requireReadableFile(Path file, String directoryHint) {
        try {
            checkReadableFile(file, null, directoryHint);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** As {@link #requireReadableFile}, for a directory ("not a directory" for anything else). */
    public static void requireReadableDirectory(Path directory) {
        try {
            checkReadableDirectory(directory, null, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /**
     * {@link #requireReadableFile} as a checked exception whose reason also says what the file
     * was given as ({@code what}, e.g. "the CA file of trustPemFile"; may be null).
     */
    public static void checkReadableFile(Path file, String what, String directoryHint) throws IOException {
        String of = what == null ? "" : " (" + what + ")";
        if (Files.isDirectory(file)) {
            throw new FileSystemException(file.toString(), null,
                    "is a directory, not a file" + of + (directoryHint == null ? "" : ": " + directoryHint));
        }
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such file" + of);
        }
        if (!Files.isReadable(file)) {
            throw new AccessDeniedException(file.toString(), null, "not readable, permission denied" + of);
        }
    }

    /** {@link #checkReadableFile} for a directory; {@code fileHint} follows the reason for a file. */
    public static void checkReadableDirectory(Path directory, String what, String fileHint) throws IOException {
        String of = what == null ? "" : " (" + what + ")";
        if (!Files.exists(directory)) {
            throw new NoSuchFileException(directory.toString(), null, "no such directory" + of);
        }
        if (!Files.isDirectory(directory)) {
            throw new FileSystemException(directory.toString(), null,
                    "not a directory" + of + (fileHint == null ? "" : ": " + fileHint));
        }
        if (!Files.isReadable(directory)) {
            throw new AccessDeniedException(directory.toString(), null, "not readable, permission denied" + of);
        }
    }

    /**
     * If {@code data} starts like a Java key store (JKS, JCEKS or PKCS#12), which Mbed TLS does
     * not read, what to do instead; otherwise null. {@code what} is what Mbed TLS was asked to
     * parse, e.g. "certificates".
     */
    public static String keyStoreHint(byte[] data, String what) {
        String kind = keyStoreKind(data);
        if (kind == null) {
            return null;
        }
        return "this looks like a " + kind + " key store, not PEM or DER " + what + ": load it with "
                + "java.security.KeyStore and pass that instead (TlsClient.Builder trust(KeyStore), "
                + "identity(KeyStore, alias, password)), or export PEM from it (openssl pkcs12, keytool)";
    }

    /** {@link #keyStoreHint(byte[], String)} for the first bytes of {@code file} (null if unreadable). */
    public static String keyStoreHint(Path file, String what) {
        try (InputStream in = Files.newInputStream(file)) {
            return keyStoreHint(in.readNBytes(16), what);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** "PKCS#12", "JKS", "JCEKS", or null. */
    public static String keyStoreKind(byte[] d) {
        if (d.length >= 4) {
            int magic = (d[0] & 0xFF) << 24 | (d[1] & 0xFF) << 16 | (d[2] & 0xFF) << 8 | (d[3] & 0xFF);
            if (magic == 0xFEEDFEED) {
                return "JKS";
            }
            if (magic == 0xCECECECE) {
                return "JCEKS";
            }
        }
        // PFX ::= SEQUENCE { version INTEGER (3), ... }: a certificate starts with a SEQUENCE
        // inside, a private key with version 0 or 1.
        if (d.length >= 2 && (d[0] & 0xFF) == 0x30) {
            int header = (d[1] & 0x80) == 0 ? 2 : 2 + (d[1] & 0x7F);
            if (d.length >= header + 3 && d[header] == 0x02 && d[header + 1] == 0x01 && d[header + 2] == 0x03) {
                return "PKCS#12";
            }
        }
        return null;
    }

}
