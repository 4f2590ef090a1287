package io.github.mbedtlsjni.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The certificate validation error corpus: for each case, the chain a TLS server sends, its key,
 * the CA file a client trusts, the CRLs it checks (if any) and the name it expects. Everything is
 * generated into a directory at test time (Bouncy Castle, via {@link CertBuilder} and
 * {@link CrlBuilder}); nothing is committed.
 *
 * <pre>{@code
 * for (VerifyCorpus.Case c : VerifyCorpus.generate(dir).values()) {
 *     try (OpenSslServer s = OpenSslServer.builder(c.chainPem(), c.keyPem()).securityLevel(0).start()) {
 *         // connect to 127.0.0.1:s.port(), trust c.caPem() (+ c.crlPem()), expect c.hostname()
 *     }
 * }
 * }</pre>
 *
 * <p>Most cases use an ECDSA P-256 PKI ({@code CN=Corpus Root CA} &rarr; {@code CN=Corpus
 * Intermediate CA} &rarr; {@code CN=localhost}); the RSA-specific ones (RSA-1024, SHA-1, MD5, and
 * the leaf without digitalSignature) an RSA-2048 one with the same names. The server is meant to
 * run at OpenSSL security level 0 so that it agrees to send weak certificates.
 */
public final class VerifyCorpus {
    /** The name a client expects unless the case says otherwise. */
    public static final String HOST = TestPki.SERVER_NAME;

    /**
     * One case of the corpus.
     *
     * @param id short stable identifier, e.g. {@code expired-leaf}
     * @param title what is wrong (or right), for the docs
     * @param chainPem the chain the server sends, leaf first, exactly in this order
     * @param keyPem the leaf's private key
     * @param caPem the client's trust anchors
     * @param crlPem the client's CRLs (one or more PEM CRLs), or null
     * @param hostname the name the client expects
     */
    public record Case(String id, String title, Path chainPem, Path keyPem, Path caPem, Path crlPem, String hostname) {
        /** The DER certificates of {@link #chainPem()}, in order. */
        public List<byte[]> chainDer() {
            return derBlocks(chainPem);
        }
    }

    private final Path dir;
    private final Map<String, Case> cases = new LinkedHashMap<>();
    private final TestPki ec;
    private final TestPki rsa;

    private VerifyCorpus(Path dir) {
        this.dir = dir;
        ec = TestPki.create(dir, KeyType.EC_P256, "Corpus");
        rsa = TestPki.create(dir, KeyType.RSA_2048, "Corpus");
    }

    /** Generates every case into {@code dir}; the map is in the corpus's order, keyed by {@link Case#id()}. */
    public static Map<String, Case> generate(Path dir) {
        VerifyCorpus corpus = new VerifyCorpus(dir);
        corpus.build();
        return corpus.cases;
    }

    private void build() {
        TestCert root = ec.root();
        TestCert inter = ec.intermediate();

        // --- Good chains --------------------------------------------------------------------------
        add("valid-ecdsa", "valid chain, ECDSA P-256", ec.serverChainPem(), ec.serverKeyPem(), ec.rootPem());
        add("valid-rsa", "valid chain, RSA-2048", rsa.serverChainPem(), rsa.serverKeyPem(), rsa.rootPem());

        // --- Time -------------------------------------------------------------------------------
        add("expired-leaf", "expired leaf", ec.expiredChainPem(), ec.serverKeyPem(), ec.rootPem());
        leafCase("not-yet-valid-leaf", "leaf not yet valid", ec.serverCert().notYetValid().issuedBy(inter), inter);
        TestCert expiredInter = ec.caCert("Corpus Expired Intermediate CA").expired().issuedBy(root);
        leafCase("expired-intermediate", "expired intermediate", ec.serverCert().issuedBy(expiredInter), expiredInter);
        TestCert expiredRoot = ec.caCert("Corpus Root CA").keyLabel("Corpus/root").expired().selfSigned();
        add("expired-root", "expired root (the trusted copy)", ec.serverChainPem(), ec.serverKeyPem(),
                ec.writeChain("expired-root.pem", expiredRoot));

        // --- Trust and chain building -----------------------------------------------------------
        leafCase("self-signed-leaf", "self-signed leaf", ec.serverCert().selfSigned());
        add("unknown-root", "chain to a root the client does not trust", ec.serverChainPem(), ec.serverKeyPem(),
                ec.unknownRootPem());
        add("only-intermediate-trusted", "only the intermediate is trusted", ec.serverChainPem(), ec.serverKeyPem(),
                ec.intermediatePem());
        leafCase("missing-intermediate", "server sends the leaf without its intermediate", ec.leaf());
        TestCert upper = ec.caCert("Corpus Upper Intermediate CA").issuedBy(root);
        TestCert lower = ec.caCert("Corpus Lower Intermediate CA").issuedBy(upper);
        leafCase("chain-out-of-order", "chain sent out of order (leaf, upper CA, lower CA)",
                ec.serverCert().issuedBy(lower), upper, lower);
        TestCert notCa = ec.caCert("Corpus CA-false Intermediate CA").ca(false).issuedBy(root);
        leafCase("intermediate-ca-false", "intermediate with basicConstraints CA:false", ec.serverCert().issuedBy(notCa), notCa);
        TestCert noCertSign = ec.caCert("Corpus No-keyCertSign Intermediate CA").keyUsage(KeyUsageBit.CRL_SIGN).issuedBy(root);
        leafCase("intermediate-no-keycertsign", "intermediate whose keyUsage lacks keyCertSign",
                ec.serverCert().issuedBy(noCertSign), noCertSign);
        TestCert noBc = ec.caCert("Corpus No-basicConstraints Intermediate CA").noBasicConstraints().issuedBy(root);
        leafCase("intermediate-no-basic-constraints", "intermediate without basicConstraints",
                ec.serverCert().issuedBy(noBc), noBc);
        TestCert pathLen0 = ec.caCert("Corpus PathLen0 Intermediate CA").pathLen(0).issuedBy(root);
        TestCert belowPathLen0 = ec.caCert("Corpus Sub Intermediate CA").issuedBy(pathLen0);
        leafCase("path-length-exceeded", "path length exceeded (pathLen:0 CA above another CA)",
                ec.serverCert().issuedBy(belowPathLen0), belowPathLen0, pathLen0);
        leafCase("tampered-leaf", "invalid signature (tampered leaf)", ec.serverCert().tamperSignature().issuedBy(inter), inter);

        // --- Names -------------------------------------------------------------------------------
        add("hostname-mismatch-san", "hostname not in the SAN (expects `wrong.example`)", ec.serverChainPem(),
                ec.serverKeyPem(), ec.rootPem(), null, "wrong.example");
        TestCert cnOnly = ec.serverCert().noSan().issuedBy(inter);
        leafCase("cn-only-match", "CN-only certificate (no SAN), CN matches", cnOnly, inter);
        leafCase("cn-only-mismatch", "CN-only certificate (no SAN), CN does not match (expects `other.example`)",
                "other.example", cnOnly, inter);
        TestCert wildcard = ec.serverCert().subject("*.corpus.test").noSan().dnsSan("*.corpus.test").issuedBy(inter);
        leafCase("wildcard-one-label", "wildcard SAN `*.corpus.test`, expects `www.corpus.test`", "www.corpus.test",
                wildcard, inter);
        leafCase("wildcard-two-labels", "wildcard SAN `*.corpus.test`, expects `a.www.corpus.test`", "a.www.corpus.test",
                wildcard, inter);
        leafCase("ip-san", "IP-address SAN `127.0.0.1` (no DNS SAN), expects `127.0.0.1`", TestPki.SERVER_IP,
                ec.serverCert().subject("Corpus IP Server").noSan().ipSan(TestPki.SERVER_IP).issuedBy(inter), inter);
        // The JDK refuses to parse such a certificate (JdkRefused): made at the DER level.
        add("empty-subject-no-san", "empty subject and no SAN", JdkRefused.EMPTY_SUBJECT_NO_SAN.writeChain(ec),
                ec.serverKeyPem(), ec.rootPem());

        // --- Usage -------------------------------------------------------------------------------
        // An RSA leaf: over TLS 1.2 (all that Mbed TLS 2.28 can do), OpenSSL's server will not
        // sign with an ECDSA certificate whose keyUsage lacks digitalSignature (no ECDSA suite is
        // enabled: "no shared cipher", a handshake_failure alert, before the client sees the
        // certificate), while it does use such an RSA one for ECDHE_RSA (the client offers ECDHE
        // suites before static RSA). Both TLS 1.2 ECDHE_RSA and TLS 1.3 need digitalSignature, so
        // Mbed TLS flags the leaf on either version.
        rsaLeafCase("leaf-no-digital-signature", "RSA leaf, keyUsage keyEncipherment only (no digitalSignature)",
                rsa.serverCert().keyUsage(KeyUsageBit.KEY_ENCIPHERMENT).issuedBy(rsa.intermediate()), rsa.intermediate());
        leafCase("eku-client-auth-only", "leaf extendedKeyUsage clientAuth only",
                ec.serverCert().extendedKeyUsage(ExtKeyUsage.CLIENT_AUTH).issuedBy(inter), inter);

        // --- Algorithms ---------------------------------------------------------------------------
        TestCert rsaInter = rsa.intermediate();
        rsaLeafCase("rsa-1024-leaf", "RSA-1024 leaf",
                rsa.serverCert().keyType(KeyType.RSA_1024).keyLabel("Corpus/server-1024").issuedBy(rsaInter), rsaInter);
        TestCert weakInter = rsa.caCert("Corpus RSA-1024 Intermediate CA").keyType(KeyType.RSA_1024).issuedBy(rsa.root());
        rsaLeafCase("rsa-1024-intermediate", "RSA-1024 intermediate", rsa.serverCert().issuedBy(weakInter), weakInter);
        rsaLeafCase("sha1-leaf", "leaf signed with SHA-1 (SHA1withRSA)",
                rsa.serverCert().signatureAlgorithm("SHA1withRSA").issuedBy(rsaInter), rsaInter);
        rsaLeafCase("md5-leaf", "leaf signed with MD5 (MD5withRSA)",
                rsa.serverCert().signatureAlgorithm("MD5withRSA").issuedBy(rsaInter), rsaInter);

        // --- Format ------------------------------------------------------------------------------
        leafCase("unknown-critical-extension", "leaf with an unknown critical extension",
                ec.serverCert().unknownCriticalExtension().issuedBy(inter), inter);
        byte[] v1WithExtensions = JdkRefused.resign(ec.leaf().der(), inter.privateKey(), VerifyCorpus::withoutVersion);
        Path v1Chain = Pem.write(file("v1-with-extensions-chain.pem"), Pem.encode("CERTIFICATE", v1WithExtensions) + inter.pem());
        add("v1-with-extensions", "leaf marked X.509 v1 but carrying v3 extensions", v1Chain, ec.serverKeyPem(), ec.rootPem());
        // Mbed TLS accepts this, the JDK's parser does not (JdkRefused, where the kinds OpenSSL
        // cannot serve are tested).
        add("utctime-without-z", "leaf validity as UTCTime without its trailing Z (`YYMMDDHHMMSS`)",
                JdkRefused.UTCTIME_WITHOUT_Z.writeChain(ec), ec.serverKeyPem(), ec.rootPem());

        // --- Revocation ----------------------------------------------------------------------------
        TestCrl rootCrl = CrlBuilder.issuedBy(root).build();
        TestCrl interCrl = CrlBuilder.issuedBy(inter).build();
        add("leaf-revoked", "leaf revoked by the intermediate's CRL (CRLs of root and intermediate)",
                ec.revokedChainPem(), ec.serverKeyPem(), ec.rootPem(), crls("leaf-revoked", rootCrl, ec.crl()), HOST);
        add("crl-expired", "intermediate's CRL expired (nextUpdate passed)", ec.serverChainPem(), ec.serverKeyPem(),
                ec.rootPem(), crls("crl-expired", CrlBuilder.issuedBy(inter).expired().build()), HOST);
        add("crl-not-yet-valid", "intermediate's CRL not yet valid (thisUpdate in the future)", ec.serverChainPem(),
                ec.serverKeyPem(), ec.rootPem(), crls("crl-not-yet-valid", CrlBuilder.issuedBy(inter).notYetValid().build()),
                HOST);
        add("crl-bad-signature", "intermediate's CRL with a bad signature", ec.serverChainPem(), ec.serverKeyPem(),
                ec.rootPem(), crls("crl-bad-signature", CrlBuilder.issuedBy(inter).tamperSignature().build()), HOST);
        TestCert noCrlSign = ec.caCert("Corpus No-cRLSign Intermediate CA").keyUsage(KeyUsageBit.KEY_CERT_SIGN).issuedBy(root);
        TestCert leafOfNoCrlSign = ec.serverCert().issuedBy(noCrlSign);
        add("crl-issuer-without-crlsign", "CRL (revoking the leaf) signed by an intermediate whose keyUsage lacks cRLSign",
                ec.writeChain("crl-issuer-without-crlsign-chain.pem", leafOfNoCrlSign, noCrlSign), ec.serverKeyPem(),
                ec.rootPem(), crls("crl-issuer-without-crlsign", CrlBuilder.issuedBy(noCrlSign).revoke(leafOfNoCrlSign).build()),
                HOST);
        add("crl-other-issuer", "CRL of another CA listing the leaf's serial (does not cover the leaf)", ec.serverChainPem(),
                ec.serverKeyPem(), ec.rootPem(),
                crls("crl-other-issuer", CrlBuilder.issuedBy(ec.unknownRoot()).revoke(ec.leaf()).build()), HOST);
        add("revoked-intermediate", "intermediate revoked by the root's CRL (CRLs of root and intermediate)",
                ec.serverChainPem(), ec.serverKeyPem(), ec.rootPem(),
                crls("revoked-intermediate", CrlBuilder.issuedBy(root).revoke(inter).build(), interCrl), HOST);
    }

    // --- helpers -----------------------------------------------------------------------------------

    private void add(String id, String title, Path chain, Path key, Path ca) {
        add(id, title, chain, key, ca, null, HOST);
    }

    private void add(String id, String title, Path chain, Path key, Path ca, Path crl, String host) {
        if (cases.put(id, new Case(id, title, chain, key, ca, crl, host)) != null) {
            throw new IllegalStateException("duplicate case " + id);
        }
    }

    /** An EC case whose server sends {@code leaf} then {@code rest}, trusting the EC root. */
    private void leafCase(String id, String title, TestCert leaf, TestCert... rest) {
        leafCase(id, title, HOST, leaf, rest);
    }

    private void leafCase(String id, String title, String host, TestCert leaf, TestCert... rest) {
        add(id, title, chain(ec, id, leaf, rest), ec.writeKey(id + "-key.pem", leaf), ec.rootPem(), null, host);
    }

    private void rsaLeafCase(String id, String title, TestCert leaf, TestCert... rest) {
        add(id, title, chain(rsa, id, leaf, rest), rsa.writeKey(id + "-key.pem", leaf), rsa.rootPem(), null, HOST);
    }

    private static Path chain(TestPki pki, String id, TestCert leaf, TestCert... rest) {
        TestCert[] all = new TestCert[rest.length + 1];
        all[0] = leaf;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return pki.writeChain(id + "-chain.pem", all);
    }

    /** One PEM file with every CRL given, in order (Mbed TLS keeps them as one list). */
    private Path crls(String id, TestCrl... crls) {
        StringBuilder pem = new StringBuilder();
        for (TestCrl crl : crls) {
            pem.append(crl.pem());
        }
        return Pem.write(file(id + "-crls.pem"), pem.toString());
    }

    private Path file(String name) {
        return dir.resolve("corpus-" + name);
    }

    /** Drops the version field ([0]), so the certificate reads as X.509 v1 while keeping its extensions ([3]). */
    static List<byte[]> withoutVersion(List<byte[]> tbs) {
        List<byte[]> out = new ArrayList<>(tbs);
        out.removeIf(f -> (f[0] & 0xFF) == 0xA0);
        return out;
    }

    private static final Pattern PEM_CERTIFICATE =
            Pattern.compile("-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", Pattern.DOTALL);

    /** The DER blocks of the PEM certificates in {@code file}. */
    static List<byte[]> derBlocks(Path file) {
        try {
            Matcher m = PEM_CERTIFICATE.matcher(Files.readString(file, StandardCharsets.US_ASCII));
            List<byte[]> blocks = new ArrayList<>();
            while (m.find()) {
                blocks.add(Base64.getMimeDecoder().decode(m.group(1)));
            }
            return blocks;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
