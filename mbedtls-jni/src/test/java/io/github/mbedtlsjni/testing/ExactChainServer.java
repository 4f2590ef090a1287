package io.github.mbedtlsjni.testing;

import java.math.BigInteger;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A {@link JsseServer} that sends a chain of exactly the DER bytes given, even bytes that no
 * certificate parser but Mbed TLS's accepts ({@link JdkRefused}): JSSE writes each certificate
 * of its Certificate message as {@link X509Certificate#getEncoded()}, so the key manager hands it
 * stand-ins, well-formed certificates with the same public keys, whose {@code getEncoded()} is
 * the given DER. The handshake signature is made with the leaf's real key, so a client verifies
 * it against the public key in the DER it received.
 *
 * <pre>{@code
 * try (JsseServer server = ExactChainServer.start(kind.chain(pki), pki.leaf(), pki.intermediate())) {
 *     // the client receives kind.chain(pki), byte for byte
 * }
 * }</pre>
 */
public final class ExactChainServer {
    private static final String ALIAS = "exact";

    private ExactChainServer() {}

    /**
     * An echo server on 127.0.0.1 (TLS 1.2 and 1.3) sending {@code chainDer}; {@code standIns}
     * are the well-formed certificates with the same keys, in the same order (the first one's
     * private key signs).
     */
    public static JsseServer start(List<byte[]> chainDer, TestCert... standIns) {
        return JsseServer.builder(context(chainDer, standIns)).start();
    }

    /** The server {@link SSLContext} of {@link #start}. */
    public static SSLContext context(List<byte[]> chainDer, TestCert... standIns) {
        if (chainDer.size() != standIns.length) {
            throw new IllegalArgumentException(chainDer.size() + " certificates but " + standIns.length + " stand-ins");
        }
        X509Certificate[] chain = new X509Certificate[standIns.length];
        for (int i = 0; i < chain.length; i++) {
            chain[i] = new Exact(standIns[i].certificate(), chainDer.get(i));
        }
        try {
            SSLContext context = statefulResumption();
            context.init(new KeyManager[] {new Keys(standIns[0].privateKey(), chain)}, null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A context whose server sessions stay in its cache: JSSE's stateless session tickets carry
     * the server's own certificates, which it parses again with the JDK's CertificateFactory
     * when a client resumes, and would refuse here. The JDK reads the switch when the context
     * is made, so it is set for that moment only.
     */
    private static SSLContext statefulResumption() throws GeneralSecurityException {
        String property = "jdk.tls.server.enableSessionTicketExtension";
        synchronized (ExactChainServer.class) {
            String before = System.getProperty(property);
            System.setProperty(property, "false");
            try {
                return SSLContext.getInstance("TLS");
            } finally {
                if (before == null) {
                    System.clearProperty(property);
                } else {
                    System.setProperty(property, before);
                }
            }
        }
    }

    /** One key entry, offered for the key type of its key. */
    private static final class Keys extends X509ExtendedKeyManager {
        private final PrivateKey key;
        private final X509Certificate[] chain;

        Keys(PrivateKey key, X509Certificate[] chain) {
            this.key = key;
            this.chain = chain;
        }

        private String aliasFor(String keyType) {
            return keyType != null && keyType.startsWith(key.getAlgorithm()) ? ALIAS : null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return aliasFor(keyType);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return aliasFor(keyType);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return aliasFor(keyType) == null ? null : new String[] {ALIAS};
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? chain.clone() : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? key : null;
        }
    }

    /** A certificate that is {@code standIn} in every respect but its encoding, which is {@code der}. */
    private static final class Exact extends X509Certificate {
        private static final long serialVersionUID = 1L;

        private final X509Certificate standIn;
        private final byte[] der;

        Exact(X509Certificate standIn, byte[] der) {
            this.standIn = standIn;
            this.der = der.clone();
        }

        @Override
        public byte[] getEncoded() {
            return der.clone();
        }

        @Override
        public PublicKey getPublicKey() {
            return standIn.getPublicKey();
        }

        @Override
        public void checkValidity() throws java.security.cert.CertificateExpiredException,
                java.security.cert.CertificateNotYetValidException {
            standIn.checkValidity();
        }

        @Override
        public void checkValidity(Date date) throws java.security.cert.CertificateExpiredException,
                java.security.cert.CertificateNotYetValidException {
            standIn.checkValidity(date);
        }

        @Override
        public int getVersion() {
            return standIn.getVersion();
        }

        @Override
        public BigInteger getSerialNumber() {
            return standIn.getSerialNumber();
        }

        @Override
        @Deprecated
        public Principal getIssuerDN() {
            return standIn.getIssuerX500Principal();
        }

        @Override
        public javax.security.auth.x500.X500Principal getIssuerX500Principal() {
            return standIn.getIssuerX500Principal();
        }

        @Override
        @Deprecated
        public Principal getSubjectDN() {
            return standIn.getSubjectX500Principal();
        }

        @Override
        public javax.security.auth.x500.X500Principal getSubjectX500Principal() {
            return standIn.getSubjectX500Principal();
        }

        @Override
        public Date getNotBefore() {
            return standIn.getNotBefore();
        }

        @Override
        public Date getNotAfter() {
            return standIn.getNotAfter();
        }

        @Override
        public byte[] getTBSCertificate() throws java.security.cert.CertificateEncodingException {
            return standIn.getTBSCertificate();
        }

        @Override
        public byte[] getSignature() {
            return standIn.getSignature();
        }

        @Override
        public String getSigAlgName() {
            return standIn.getSigAlgName();
        }

        @Override
        public String getSigAlgOID() {
            return standIn.getSigAlgOID();
        }

        @Override
        public byte[] getSigAlgParams() {
            return standIn.getSigAlgParams();
        }

        @Override
        public boolean[] getIssuerUniqueID() {
            return standIn.getIssuerUniqueID();
        }

        @Override
        public boolean[] getSubjectUniqueID() {
            return standIn.getSubjectUniqueID();
        }

        @Override
        public boolean[] getKeyUsage() {
            return standIn.getKeyUsage();
        }

        @Override
        public List<String> getExtendedKeyUsage() throws java.security.cert.CertificateParsingException {
            return standIn.getExtendedKeyUsage();
        }

        @Override
        public int getBasicConstraints() {
            return standIn.getBasicConstraints();
        }

        @Override
        public void verify(PublicKey key) throws java.security.cert.CertificateException,
                java.security.NoSuchAlgorithmException, java.security.InvalidKeyException,
                java.security.NoSuchProviderException, java.security.SignatureException {
            standIn.verify(key);
        }

        @Override
        public void verify(PublicKey key, String sigProvider) throws java.security.cert.CertificateException,
                java.security.NoSuchAlgorithmException, java.security.InvalidKeyException,
                java.security.NoSuchProviderException, java.security.SignatureException {
            standIn.verify(key, sigProvider);
        }

        @Override
        public String toString() {
            return "exact DER of " + standIn.getSubjectX500Principal();
        }

        @Override
        public java.util.Collection<List<?>> getSubjectAlternativeNames()
                throws java.security.cert.CertificateParsingException {
            return standIn.getSubjectAlternativeNames();
        }

        @Override
        public java.util.Collection<List<?>> getIssuerAlternativeNames()
                throws java.security.cert.CertificateParsingException {
            return standIn.getIssuerAlternativeNames();
        }

        @Override
        public boolean hasUnsupportedCriticalExtension() {
            return standIn.hasUnsupportedCriticalExtension();
        }

        @Override
        public Set<String> getCriticalExtensionOIDs() {
            return standIn.getCriticalExtensionOIDs();
        }

        @Override
        public Set<String> getNonCriticalExtensionOIDs() {
            return standIn.getNonCriticalExtensionOIDs();
        }

        @Override
        public byte[] getExtensionValue(String oid) {
            return standIn.getExtensionValue(oid);
        }
    }
}
