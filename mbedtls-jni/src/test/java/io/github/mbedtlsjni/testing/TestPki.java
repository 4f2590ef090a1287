package io.github.mbedtlsjni.testing;

import java.nio.file.Path;
import java.util.Locale;

/**
 * A ready-made three-level PKI for TLS tests, written as PEM files into a (temporary) directory:
 * root CA &rarr; intermediate CA &rarr; server leaf {@code CN=localhost} with SANs
 * {@code DNS:localhost} and {@code IP:127.0.0.1}, all keys of one {@link KeyType}.
 *
 * <pre>{@code
 * TestPki pki = TestPki.create(tempDir, KeyType.EC_P256);
 * pki.rootPem();          // trust anchor for the client
 * pki.serverChainPem();   // leaf + intermediate, for the server
 * pki.serverKeyPem();     // the leaf's PKCS#8 key
 * }</pre>
 *
 * <p>Common bad variants are available lazily: {@link #expiredLeaf()}, {@link #revokedLeaf()}
 * with the intermediate's {@link #crl()}, and an {@link #unknownRoot()}. Anything else is
 * built with {@link #serverCert()}/{@link #caCert(String)} (or {@link CertBuilder} directly)
 * and written with {@link #writeChain}/{@link #writeKey}.
 *
 * <p>Keys come from {@link KeyType#cached}, labelled by PKI name and role, so creating many
 * PKIs is cheap. Every server leaf of one PKI ({@link #leaf()}, {@link #expiredLeaf()},
 * {@link #revokedLeaf()}, {@link #serverCert()}) shares the key in {@link #serverKeyPem()}.
 * Two PKIs with the same name and key type share keys and CA names, so their chains
 * cross-verify: use {@link #unknownRoot()} or a different {@code name} for an unrelated PKI.
 */
public final class TestPki {
    /** The server leaf's common name and DNS SAN. */
    public static final String SERVER_NAME = "localhost";
    /** The server leaf's IP SAN. */
    public static final String SERVER_IP = "127.0.0.1";

    private final Path dir;
    private final KeyType keyType;
    private final String name;
    private final String filePrefix;
    private final TestCert root;
    private final TestCert intermediate;
    private final TestCert leaf;
    private final Path rootPem;
    private final Path intermediatePem;
    private final Path serverChainPem;
    private final Path serverKeyPem;
    private final Path fullChainPem;

    private TestCert expiredLeaf;
    private TestCert revokedLeaf;
    private TestCrl crl;
    private TestCert unknownRoot;

    private TestPki(Path dir, KeyType keyType, String name) {
        this.dir = dir;
        this.keyType = keyType;
        this.name = name;
        this.filePrefix = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-") + "-"
                + keyType.name().toLowerCase(Locale.ROOT).replace('_', '-') + "-";
        root = caCert(name + " Root CA").keyLabel(name + "/root").selfSigned();
        intermediate = caCert(name + " Intermediate CA").keyLabel(name + "/intermediate").issuedBy(root);
        leaf = serverCert().issuedBy(intermediate);
        rootPem = writeChain("root.pem", root);
        intermediatePem = writeChain("intermediate.pem", intermediate);
        serverChainPem = writeChain("server-chain.pem", leaf, intermediate);
        fullChainPem = writeChain("full-chain.pem", leaf, intermediate, root);
        serverKeyPem = writeKey("server-key.pem", leaf);
    }

    /** Creates the PKI named {@code Test} (CAs {@code CN=Test Root CA}, {@code CN=Test Intermediate CA}). */
    public static TestPki create(Path dir, KeyType keyType) {
        return create(dir, keyType, "Test");
    }

    /**
     * Creates a PKI whose CAs are {@code CN=<name> Root CA} and {@code CN=<name> Intermediate CA},
     * with keys distinct from those of differently named PKIs. Files go to {@code dir}, named
     * {@code <name>-<keytype>-*.pem}, so several PKIs can share a directory.
     */
    public static TestPki create(Path dir, KeyType keyType, String name) {
        return new TestPki(dir, keyType, name);
    }

    /** The directory the files are written to. */
    public Path dir() {
        return dir;
    }

    /** The key type of every certificate in this PKI. */
    public KeyType keyType() {
        return keyType;
    }

    /** The PKI's name, which prefixes the CA names. */
    public String name() {
        return name;
    }

    /** The self-signed root CA. */
    public TestCert root() {
        return root;
    }

    /** The intermediate CA, issued by the root. */
    public TestCert intermediate() {
        return intermediate;
    }

    /** The good server leaf {@code CN=localhost}, issued by the intermediate. */
    public TestCert leaf() {
        return leaf;
    }

    /** PEM file with the root alone: the client's trust anchor. */
    public Path rootPem() {
        return rootPem;
    }

    /** PEM file with the intermediate alone. */
    public Path intermediatePem() {
        return intermediatePem;
    }

    /** PEM file with leaf then intermediate: what the server sends. */
    public Path serverChainPem() {
        return serverChainPem;
    }

    /** PEM file with leaf, intermediate and root. */
    public Path fullChainPem() {
        return fullChainPem;
    }

    /** PKCS#8 PEM file with the key shared by every server leaf of this PKI. */
    public Path serverKeyPem() {
        return serverKeyPem;
    }

    /**
     * A builder preset like {@link #leaf()}: {@code CN=localhost}, SANs {@code DNS:localhost} and
     * {@code IP:127.0.0.1}, serverAuth, this PKI's key type and the shared server key. Finish it
     * with {@code .issuedBy(pki.intermediate())} (or any other issuer).
     */
    public CertBuilder serverCert() {
        return CertBuilder.server(SERVER_NAME).dnsSan(SERVER_NAME).ipSan(SERVER_IP)
                .keyType(keyType).keyLabel(name + "/server");
    }

    /** A CA builder with this PKI's key type (key cached under the subject DN). */
    public CertBuilder caCert(String commonName) {
        return CertBuilder.ca(commonName).keyType(keyType);
    }

    /** A server leaf like {@link #leaf()} but valid from 30 days ago until yesterday. */
    public synchronized TestCert expiredLeaf() {
        if (expiredLeaf == null) {
            expiredLeaf = serverCert().expired().issuedBy(intermediate);
        }
        return expiredLeaf;
    }

    /** PEM file with {@link #expiredLeaf()} then the intermediate (key: {@link #serverKeyPem()}). */
    public Path expiredChainPem() {
        return writeChain("expired-chain.pem", expiredLeaf(), intermediate);
    }

    /** A server leaf like {@link #leaf()} that {@link #crl()} lists as revoked. */
    public synchronized TestCert revokedLeaf() {
        if (revokedLeaf == null) {
            revokedLeaf = serverCert().issuedBy(intermediate);
        }
        return revokedLeaf;
    }

    /** PEM file with {@link #revokedLeaf()} then the intermediate (key: {@link #serverKeyPem()}). */
    public Path revokedChainPem() {
        return writeChain("revoked-chain.pem", revokedLeaf(), intermediate);
    }

    /** The intermediate's current CRL, revoking {@link #revokedLeaf()} (and not {@link #leaf()}). */
    public synchronized TestCrl crl() {
        if (crl == null) {
            crl = crlRevoking(revokedLeaf());
        }
        return crl;
    }

    /** {@link #crl()} as a PEM file. */
    public Path crlPem() {
        return crl().writePem(file("crl.pem"));
    }

    /** {@link #crl()} as a DER file. */
    public Path crlDer() {
        return crl().writeDer(file("crl.der"));
    }

    /** A current CRL of the intermediate revoking {@code certs}. */
    public TestCrl crlRevoking(TestCert... certs) {
        return CrlBuilder.issuedBy(intermediate).revoke(certs).build();
    }

    /** A self-signed root CA ({@code CN=<name> Unknown Root CA}, own key) that issued nothing here. */
    public synchronized TestCert unknownRoot() {
        if (unknownRoot == null) {
            unknownRoot = caCert(name + " Unknown Root CA").keyLabel(name + "/unknown-root").selfSigned();
        }
        return unknownRoot;
    }

    /** {@link #unknownRoot()} as a PEM file: a trust anchor that does not lead to the server chain. */
    public Path unknownRootPem() {
        return writeChain("unknown-root.pem", unknownRoot());
    }

    /** Writes {@code certs}, in the order given, to the PEM file {@link #file file(fileName)}. */
    public Path writeChain(String fileName, TestCert... certs) {
        return Pem.writeCertificates(file(fileName), certs);
    }

    /** Writes {@code cert}'s private key as PKCS#8 PEM to {@link #file file(fileName)}. */
    public Path writeKey(String fileName, TestCert cert) {
        return cert.writeKeyPem(file(fileName));
    }

    /** The path {@code <dir>/<name>-<keytype>-<fileName>}. */
    public Path file(String fileName) {
        return dir.resolve(filePrefix + fileName);
    }

    @Override
    public String toString() {
        return "TestPki[" + name + ", " + keyType + "]";
    }
}
