package io.github.mbedtlsjni;

import io.github.mbedtlsjni.internal.InputFiles;
import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.PkContext;
import io.github.mbedtlsjni.mbedtls.X509Crl;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * What a {@link TlsClient.Builder} or a {@link TlsServer.Builder} loads into Mbed TLS when it
 * builds: trust anchors, CRLs and its identities (the role named in messages), from files, bytes, JDK certificates and key stores. Each builder call
 * makes one source here (reading what it is given at once when that is a Java object, a file
 * only at {@code build()}), and each source reports what goes wrong as {@link TlsClient}'s class
 * comment promises: a file that is missing or unreadable as the JDK's {@link IOException}, what
 * Mbed TLS refuses in a file or in bytes as a {@link TlsException} naming the file and the builder
 * call with Mbed TLS's code, a key store that cannot be read as {@link IllegalArgumentException}
 * at the builder call.
 */
final class ClientMaterial {
    private ClientMaterial() {}

    /** Trust anchors: adds to {@code ca}, returns the number of certificates or files skipped. */
    interface TrustSource {
        int addTo(X509Crt ca) throws IOException;
    }

    interface CrlSource {
        void addTo(X509Crl crl) throws IOException;
    }

    interface IdentitySource {
        void load(X509Crt chain, PkContext key, CtrDrbg rng) throws IOException;
    }

    // --- Trust anchors ----------------------------------------------------------------------------

    /** The CA certificates of a file (trustPemFile) or of every file of a directory (trustPath). */
    static TrustSource caFiles(Path path, boolean directory) {
        return new CaFiles(path, directory);
    }

    static TrustSource caBytes(byte[] data) {
        byte[] copy = data.clone();
        return ca -> loading("the CA certificates of trust(byte[])", () -> ca.parse(copy));
    }

    static TrustSource certificates(X509Certificate... certificates) {
        List<byte[]> ders = new ArrayList<>();
        for (X509Certificate c : certificates) {
            ders.add(encoded(Objects.requireNonNull(c, "certificate")));
        }
        return ca -> loading("the certificates of trust(X509Certificate...)", () -> addAll(ca, ders, false));
    }

    /** The trusted-certificate entries of a key store; read now. */
    static TrustSource keyStore(KeyStore keyStore) {
        List<byte[]> ders = new ArrayList<>();
        try {
            for (Enumeration<String> aliases = keyStore.aliases(); aliases.hasMoreElements(); ) {
                String alias = aliases.nextElement();
                if (keyStore.isCertificateEntry(alias)) {
                    Certificate c = keyStore.getCertificate(alias);
                    if (c instanceof X509Certificate) {
                        ders.add(encoded((X509Certificate) c));
                    }
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the trust store: " + e.getMessage(), e);
        }
        return ca -> addAll(ca, ders, true);
    }

    /** The accepted issuers of the JDK's default trust manager; read now. */
    static TrustSource jdkDefaults() {
        List<byte[]> ders = new ArrayList<>();
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager) {
                    for (X509Certificate c : ((X509TrustManager) tm).getAcceptedIssuers()) {
                        ders.add(encoded(c));
                    }
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the JDK's trust store: " + e.getMessage(), e);
        }
        return ca -> addAll(ca, ders, true);
    }

    /**
     * The CA certificates of a file or a directory, as {@link #loading} reports them. A plain
     * class where the other sources are lambdas: a CA file is how most programs and the CLI
     * start, and their first connection then bootstraps no lambda (as the thin classes'
     * NativeResource.Type).
     */
    private static final class CaFiles implements TrustSource {
        private final Path path;
        private final boolean directory;

        CaFiles(Path path, boolean directory) {
            this.path = path;
            this.directory = directory;
        }

        @Override
        public int addTo(X509Crt ca) throws IOException {
            String what = directory ? "the CA directory of trustPath" : "the CA file of trustPemFile";
            if (directory) {
                InputFiles.checkReadableDirectory(path, what, "use trustPemFile(file) for one file of CA certificates");
            } else {
                InputFiles.checkReadableFile(path, what, "use trustPath(directory) for a directory of CA files");
            }
            try {
                return directory ? ca.parsePath(path) : ca.parseFile(path);
            } catch (MbedTlsException | UncheckedIOException e) {
                throw loadingFailure(what + " " + path, e);
            }
        }
    }

    // --- CRLs -------------------------------------------------------------------------------------

    static CrlSource crlFile(Path file) {
        return crl -> {
            String what = "the CRL file of crlFile";
            InputFiles.checkReadableFile(file, what, "give one file of PEM or DER CRLs");
            loading(what + " " + file, () -> {
                crl.parseFile(file);
                return 0;
            });
        };
    }

    static CrlSource crlBytes(byte[] data) {
        byte[] copy = data.clone();
        return crl -> loading("the CRLs of crl(byte[])", () -> {
            crl.parse(copy);
            return 0;
        });
    }

    // --- An identity (the client's, or one of the server's) ------------------------------------------

    /** A chain file and a key file, read at build(); {@code role} ("client", "server") names it in messages. */
    static IdentitySource identityFiles(Path chainFile, Path keyFile, char[] password, String role) {
        char[] pwd = password == null ? null : password.clone();
        return (chain, key, rng) -> {
            String chainWhat = "the " + role + " certificate chain of identity";
            String keyWhat = "the " + role + " key of identity";
            InputFiles.checkReadableFile(chainFile, chainWhat, null);
            InputFiles.checkReadableFile(keyFile, keyWhat, null);
            String what = chainWhat + " " + chainFile;
            int failed = loading(what, () -> chain.parseFile(chainFile));
            if (failed != 0) {
                throw unparsable(what, failed, Files.readAllBytes(chainFile));
            }
            loading(keyWhat + " " + keyFile, () -> {
                key.parseKeyFile(keyFile, pwd, rng);
                return 0;
            });
        };
    }

    static IdentitySource identityBytes(byte[] chainData, byte[] keyData, char[] password, String role) {
        byte[] chainCopy = chainData.clone();
        byte[] keyCopy = keyData.clone();
        char[] pwd = password == null ? null : password.clone();
        return (chain, key, rng) -> {
            String what = "the " + role + " certificate chain of identity(byte[], ...)";
            int failed = loading(what, () -> chain.parse(chainCopy));
            if (failed != 0) {
                throw unparsable(what, failed, chainCopy);
            }
            loading("the " + role + " key of identity(byte[], ...)", () -> {
                key.parseKey(keyCopy, pwd, rng);
                return 0;
            });
        };
    }

    /** A key entry of a key store, read now: its chain as DER, its key as PKCS#8. */
    static IdentitySource identityKeyStore(KeyStore keyStore, String alias, char[] password) {
        List<byte[]> chainDers = new ArrayList<>();
        byte[] pkcs8;
        try {
            String entry = alias != null ? alias : onlyKeyAlias(keyStore);
            Key k = keyStore.getKey(entry, password);
            if (!(k instanceof PrivateKey)) {
                throw new IllegalArgumentException("key store entry '" + entry + "' holds no private key");
            }
            pkcs8 = k.getEncoded();
            if (pkcs8 == null || !"PKCS#8".equals(k.getFormat())) {
                throw new IllegalArgumentException("the private key of '" + entry + "' cannot be exported as PKCS#8");
            }
            Certificate[] chain = keyStore.getCertificateChain(entry);
            if (chain == null || chain.length == 0) {
                throw new IllegalArgumentException("key store entry '" + entry + "' has no certificate chain");
            }
            for (int i = 0; i < chain.length; i++) {
                if (!(chain[i] instanceof X509Certificate)) {
                    throw new IllegalArgumentException("certificate " + i + " of key store entry '" + entry
                            + "' is not an X.509 certificate but " + chain[i].getType());
                }
                chainDers.add(encoded((X509Certificate) chain[i]));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the key store entry: " + e.getMessage(), e);
        }
        return (chain, key, rng) -> loading("the key store entry of identity(KeyStore, ...)", () -> {
            addAll(chain, chainDers, false);
            key.parseKey(pkcs8, null, rng);
            return 0;
        });
    }

    // --- Reporting ---------------------------------------------------------------------------------

    /** A parse step: what Mbed TLS's parser returns. */
    private interface Parse {
        int run();
    }

    /**
     * Runs a parse step of {@code what}: what Mbed TLS refuses becomes a {@link TlsException}
     * that names {@code what} and keeps Mbed TLS's code; a file the thin class refused before
     * Mbed TLS read it (changed since it was checked) its {@link IOException}.
     */
    private static int loading(String what, Parse step) throws IOException {
        try {
            return step.run();
        } catch (MbedTlsException | UncheckedIOException e) {
            throw loadingFailure(what, e);
        }
    }

    /** What a parse step's failure becomes (see {@link #loading}). */
    private static IOException loadingFailure(String what, RuntimeException e) {
        return IoErrors.unusableInput(what, e);
    }

    private static final Pattern PEM_CERTIFICATE =
            Pattern.compile("-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", Pattern.DOTALL);

    /**
     * A client chain of which Mbed TLS parsed some certificates and skipped {@code failed}
     * others: a chain with a hole cannot be presented. Mbed TLS then reports a count only, so
     * each PEM certificate of {@code data} is given to it on its own, and the first one it
     * refuses gives the {@link TlsException} its code and message.
     */
    private static TlsException unparsable(String what, int failed, byte[] data) {
        Matcher m = PEM_CERTIFICATE.matcher(new String(data, StandardCharsets.ISO_8859_1));
        for (int i = 0; m.find(); i++) {
            try (X509Crt one = new X509Crt()) {
                one.parse(m.group().getBytes(StandardCharsets.ISO_8859_1));
            } catch (MbedTlsException e) {
                return (TlsException) IoErrors.unusableInput(what + ": " + failed + " of its certificates could not be "
                        + "parsed; certificate " + i, e);
            }
        }
        // Mbed TLS parses each PEM certificate on its own, so one it refused in the whole it refuses alone.
        throw new IllegalStateException("Mbed TLS refused " + failed + " certificate(s) of " + what
                + " but none of them alone");
    }

    private static int addAll(X509Crt crt, List<byte[]> ders, boolean skipUnparsable) {
        int skipped = 0;
        for (byte[] der : ders) {
            try {
                crt.parseDer(der);
            } catch (MbedTlsException e) {
                if (!skipUnparsable) {
                    throw e;
                }
                skipped++;
            }
        }
        return skipped;
    }

    private static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("cannot encode " + c.getSubjectX500Principal() + ": " + e.getMessage(), e);
        }
    }

    private static String onlyKeyAlias(KeyStore keyStore) throws GeneralSecurityException {
        List<String> keys = new ArrayList<>();
        for (String alias : Collections.list(keyStore.aliases())) {
            if (keyStore.isKeyEntry(alias)) {
                keys.add(alias);
            }
        }
        if (keys.size() != 1) {
            throw new IllegalArgumentException("the key store has " + keys.size() + " key entries "
                    + (keys.isEmpty() ? "" : keys + " ") + "- name the alias");
        }
        return keys.get(0);
    }
}
