package io.github.mbedtlsjni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.NetContext;
import io.github.mbedtlsjni.mbedtls.PkContext;
import io.github.mbedtlsjni.mbedtls.X509Crl;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import io.github.mbedtlsjni.mbedtls.X509ParseException;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Errors name the user's mistake: a missing, unreadable or misplaced file, a Java key store
 * given as PEM, a refused connection, a closed client; Mbed TLS's code and text stay in the
 * message or the cause. {@code TlsClient}'s builder throws the JDK's checked file exceptions and
 * {@link TlsException}; the thin classes the unchecked {@link MbedTlsException} and, for the
 * file system, {@link UncheckedIOException}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorMessagesTest {
    @TempDir
    static Path dir;

    private TestPki pki;
    private Path p12;
    private Path jks;

    @BeforeAll
    void setUp() throws Exception {
        pki = TestPki.create(dir, KeyType.EC_P256);
        KeyStore store = SslContexts.keyStore(pki.leaf().privateKey(), List.of(pki.leaf().certificate()));
        p12 = dir.resolve("client.p12");
        try (OutputStream out = Files.newOutputStream(p12)) {
            store.store(out, "changeit".toCharArray());
        }
        KeyStore jksStore = KeyStore.getInstance("JKS");
        jksStore.load(null, null);
        jksStore.setCertificateEntry("root", pki.root().certificate());
        jks = dir.resolve("trust.jks");
        try (OutputStream out = Files.newOutputStream(jks)) {
            jksStore.store(out, "changeit".toCharArray());
        }
    }

    @Test
    void aMissingFileIsNoSuchFileExceptionNamingTheBuilderCall() {
        Path missing = dir.resolve("missing.pem");
        NoSuchFileException ca = assertThrows(NoSuchFileException.class, () -> TlsClient.builder().trustPemFile(missing).build());
        assertEquals(missing.toString(), ca.getFile());
        assertEquals(missing + ": no such file (the CA file of trustPemFile)", ca.getMessage());
        NoSuchFileException crl = assertThrows(NoSuchFileException.class,
                () -> TlsClient.builder().trustPemFile(pki.rootPem()).crlFile(missing).build());
        assertTrue(crl.getMessage().contains("the CRL file of crlFile"), crl.getMessage());
        NoSuchFileException key = assertThrows(NoSuchFileException.class,
                () -> TlsClient.builder().trustPemFile(pki.rootPem()).identity(pki.serverChainPem(), missing, null).build());
        assertTrue(key.getMessage().contains("the client key of identity"), key.getMessage());
        NoSuchFileException directory = assertThrows(NoSuchFileException.class,
                () -> TlsClient.builder().trustPath(dir.resolve("no-such-dir")).build());
        assertTrue(directory.getMessage().endsWith("no such directory (the CA directory of trustPath)"), directory.getMessage());

        // The thin classes: the same JDK exception, unchecked, before Mbed TLS reads anything.
        try (X509Crt crt = new X509Crt(); X509Crl crls = new X509Crl(); PkContext pk = new PkContext()) {
            for (Runnable parse : List.<Runnable>of(() -> crt.parseFile(missing), () -> crls.parseFile(missing),
                    () -> pk.parseKeyFile(missing, null))) {
                UncheckedIOException e = assertThrows(UncheckedIOException.class, parse::run);
                assertInstanceOf(NoSuchFileException.class, e.getCause());
                assertEquals(missing + ": no such file", e.getMessage());
            }
            assertEquals(0, crt.size(), "nothing was added");
        }
    }

    @Test
    void aDirectoryWhereAFileIsExpectedSaysSoAndPointsToTrustPath() {
        FileSystemException e = assertThrows(FileSystemException.class, () -> TlsClient.builder().trustPemFile(dir).build());
        assertEquals(dir + ": is a directory, not a file (the CA file of trustPemFile): use trustPath(directory) for a "
                + "directory of CA files", e.getMessage());
        FileSystemException other = assertThrows(FileSystemException.class, () -> TlsClient.builder().trustPath(pki.rootPem()).build());
        assertTrue(other.getMessage().contains("not a directory (the CA directory of trustPath): use trustPemFile(file)"),
                other.getMessage());
        try (X509Crt crt = new X509Crt()) {
            UncheckedIOException thin = assertThrows(UncheckedIOException.class, () -> crt.parseFile(dir));
            assertTrue(thin.getMessage().endsWith("is a directory, not a file: use parsePath(directory) for a directory of CA files"),
                    thin.getMessage());
            assertThrows(UncheckedIOException.class, () -> crt.parsePath(pki.rootPem()));
        }
        try (X509Crl crl = new X509Crl()) {
            assertInstanceOf(FileSystemException.class, assertThrows(UncheckedIOException.class, () -> crl.parseFile(dir)).getCause());
        }
    }

    @Test
    void trustPathTakesTheDirectoryAndSkipsWhatIsNoCertificate() throws Exception {
        try (TlsClient client = TlsClient.builder().trustPath(dir).build()) {
            assertTrue(client.trustAnchorCount() >= 1, client.toString());
            assertTrue(client.skippedTrustAnchors() >= 2, "the key stores, keys... are skipped: " + client.skippedTrustAnchors());
        }
    }

    @Test
    void anUnreadableFileIsAccessDeniedException() throws Exception {
        Path secret = Files.copy(pki.rootPem(), dir.resolve("unreadable.pem"));
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
        assumeFalse(Files.isReadable(secret), "running as root: every file is readable");
        AccessDeniedException e = assertThrows(AccessDeniedException.class, () -> TlsClient.builder().trustPemFile(secret).build());
        assertTrue(e.getMessage().contains("permission denied"), e.getMessage());
    }

    @Test
    void aKeyStoreGivenAsPemSaysItIsOneAndPointsToTheKeyStoreCalls() throws Exception {
        for (Path store : List.of(p12, jks)) {
            String kind = store == p12 ? "PKCS#12" : "JKS";
            TlsException trust = assertThrows(TlsException.class, () -> TlsClient.builder().trustPemFile(store).build());
            assertTrue(trust.getMessage().contains("this looks like a " + kind + " key store, not PEM or DER certificates"),
                    trust.getMessage());
            assertTrue(trust.getMessage().contains("trust(KeyStore)"), trust.getMessage());
            assertInstanceOf(X509ParseException.class, trust.getCause(), "Mbed TLS's failure is the cause");
            assertEquals(trust.getCause().code(), trust.code());
            assertEquals("mbedtls_x509_crt_parse_file", trust.function());

            TlsException identity = assertThrows(TlsException.class, () -> TlsClient.builder().trustPemFile(pki.rootPem())
                    .identity(pki.serverChainPem(), store, "changeit".toCharArray()).build());
            assertTrue(identity.getMessage().contains("looks like a " + kind + " key store, not PEM or DER key"), identity.getMessage());
            assertTrue(identity.getMessage().contains("identity(KeyStore, alias, password)"), identity.getMessage());
            assertEquals("mbedtls_pk_parse_keyfile", identity.function());
        }
        try (X509Crl crl = new X509Crl()) {
            X509ParseException e = assertThrows(X509ParseException.class, () -> crl.parse(Files.readAllBytes(p12)));
            assertTrue(e.getMessage().contains("looks like a PKCS#12 key store, not PEM or DER CRLs"), e.getMessage());
            assertTrue(e.getMessage().contains(e.errorName()), "the code's name is kept: " + e.getMessage());
        }
        // The right way works.
        KeyStore loaded = KeyStore.getInstance(p12.toFile(), "changeit".toCharArray());
        try (TlsClient client = TlsClient.builder().trustPemFile(pki.rootPem()).identity(loaded, null, "changeit".toCharArray()).build()) {
            assertTrue(client.hasIdentity());
        }
    }

    @Test
    void aRefusedConnectionSaysWhyAsTheSystemDoes() throws Exception {
        int port = TestServer.freePort();
        try (TlsClient client = TlsClient.builder().trustPemFile(pki.rootPem()).build();
                TlsClient withTimeout = TlsClient.builder().trustPemFile(pki.rootPem()).connectTimeout(Duration.ofSeconds(30)).build()) {
            for (TlsClient c : List.of(client, withTimeout)) {
                ConnectException e = assertThrows(ConnectException.class, () -> c.connect("127.0.0.1", port));
                assertTrue(e.getMessage().contains("127.0.0.1 port " + port + ": Connection refused"), e.getMessage());
                assertEquals(-0x0044, ((MbedTlsException) e.getCause()).code(), "MBEDTLS_ERR_NET_CONNECT_FAILED");
            }
        }
        try (NetContext net = new NetContext()) {
            MbedTlsException e = assertThrows(MbedTlsException.class, () -> net.connect("127.0.0.1", port));
            assertTrue(e.getMessage().endsWith("(127.0.0.1 port " + port + ": Connection refused)"), e.getMessage());
        }
    }

    @Test
    void callsOnAClosedTlsClientNameTlsClient() throws Exception {
        TlsClient client = TlsClient.builder().trustPemFile(pki.rootPem()).build();
        TlsClient.ConnectionBuilder pending = client.connection("127.0.0.1", 443);
        client.close();
        for (Runnable call : List.<Runnable>of(() -> client.connection("127.0.0.1", 443), () -> {
            try {
                pending.connect();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        })) {
            IllegalStateException e = assertThrows(IllegalStateException.class, call::run);
            assertEquals("TlsClient is closed: build a new one to connect", e.getMessage());
        }
    }
    /**
     * A client chain with a certificate Mbed TLS cannot parse fails build() with a TlsException
     * (as the class comment promises for what Mbed TLS refuses in a file or in bytes), carrying
     * the code Mbed TLS gives that certificate, not with an IllegalArgumentException.
     */
    @Test
    void aClientChainWithACertificateMbedTlsRefusesIsTlsExceptionWithItsCode() throws Exception {
        byte[] der = pki.intermediate().certificate().getEncoded();
        der[4] = 0x31; // the tbsCertificate's SEQUENCE tag made a SET
        String damaged = "-----BEGIN CERTIFICATE-----\n"
                + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END CERTIFICATE-----\n";
        int code = assertThrows(X509ParseException.class,
                () -> X509Crt.of(damaged.getBytes(java.nio.charset.StandardCharsets.US_ASCII))).code();
        String leaf = Files.readString(pki.writeChain("leaf-only.pem", pki.leaf()));
        Path chain = dir.resolve("chain-with-damaged.pem");
        Files.writeString(chain, leaf + damaged);

        TlsException fromFile = assertThrows(TlsException.class, () -> TlsClient.builder().trustPemFile(pki.rootPem())
                .identity(chain, pki.serverKeyPem(), null).build());
        assertEquals(code, fromFile.code(), fromFile.getMessage());
        assertTrue(fromFile.getMessage().contains("the client certificate chain of identity " + chain), fromFile.getMessage());
        assertTrue(fromFile.getMessage().contains("1 of its certificates could not be parsed; certificate 1"),
                fromFile.getMessage());

        TlsException fromBytes = assertThrows(TlsException.class, () -> TlsClient.builder().trustPemFile(pki.rootPem())
                .identity(Files.readAllBytes(chain), Files.readAllBytes(pki.serverKeyPem()), null).build());
        assertEquals(code, fromBytes.code(), fromBytes.getMessage());
        assertTrue(fromBytes.getMessage().contains("identity(byte[], ...)"), fromBytes.getMessage());
    }

    /**
     * A key store entry whose chain holds a certificate that is not X.509 is refused at the
     * builder call with an IllegalArgumentException naming it, not a ClassCastException.
     */
    @Test
    void aKeyStoreChainWithANonX509CertificateIsIllegalArgumentException() throws Exception {
        KeyStore store = OddChainKeyStore.create(pki.leaf().privateKey(), pki.leaf().certificate());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TlsClient.builder().trustPemFile(pki.rootPem()).identity(store, "key", "changeit".toCharArray()));
        assertEquals("certificate 1 of key store entry 'key' is not an X.509 certificate but X.999", e.getMessage());
    }

    /** A key store with one key entry whose chain is an X.509 leaf followed by a certificate of another type. */
    private static final class OddChainKeyStore extends java.security.KeyStoreSpi {
        private final java.security.Key key;
        private final java.security.cert.Certificate[] chain;

        private OddChainKeyStore(java.security.Key key, java.security.cert.Certificate leaf) {
            this.key = key;
            this.chain = new java.security.cert.Certificate[] {leaf, new OtherCertificate()};
        }

        static KeyStore create(java.security.Key key, java.security.cert.Certificate leaf) throws Exception {
            KeyStore store = new KeyStore(new OddChainKeyStore(key, leaf), null, "odd") {};
            store.load(null, null);
            return store;
        }

        @Override
        public java.security.Key engineGetKey(String alias, char[] password) {
            return "key".equals(alias) ? key : null;
        }

        @Override
        public java.security.cert.Certificate[] engineGetCertificateChain(String alias) {
            return "key".equals(alias) ? chain.clone() : null;
        }

        @Override
        public java.security.cert.Certificate engineGetCertificate(String alias) {
            return "key".equals(alias) ? chain[0] : null;
        }

        @Override
        public java.util.Date engineGetCreationDate(String alias) {
            return null;
        }

        @Override
        public void engineSetKeyEntry(String alias, java.security.Key k, char[] password, java.security.cert.Certificate[] c) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void engineSetKeyEntry(String alias, byte[] k, java.security.cert.Certificate[] c) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void engineSetCertificateEntry(String alias, java.security.cert.Certificate cert) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void engineDeleteEntry(String alias) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.util.Enumeration<String> engineAliases() {
            return java.util.Collections.enumeration(List.of("key"));
        }

        @Override
        public boolean engineContainsAlias(String alias) {
            return "key".equals(alias);
        }

        @Override
        public int engineSize() {
            return 1;
        }

        @Override
        public boolean engineIsKeyEntry(String alias) {
            return "key".equals(alias);
        }

        @Override
        public boolean engineIsCertificateEntry(String alias) {
            return false;
        }

        @Override
        public String engineGetCertificateAlias(java.security.cert.Certificate cert) {
            return null;
        }

        @Override
        public void engineStore(OutputStream stream, char[] password) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void engineLoad(java.io.InputStream stream, char[] password) {
            // nothing to load: the entry is made in memory
        }
    }

    /** A certificate of a type that is not X.509. */
    private static final class OtherCertificate extends java.security.cert.Certificate {
        private static final long serialVersionUID = 1L;

        OtherCertificate() {
            super("X.999");
        }

        @Override
        public byte[] getEncoded() {
            return new byte[] {1, 2, 3};
        }

        @Override
        public void verify(java.security.PublicKey key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void verify(java.security.PublicKey key, String sigProvider) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String toString() {
            return "an X.999 certificate";
        }

        @Override
        public java.security.PublicKey getPublicKey() {
            return null;
        }
    }
}
