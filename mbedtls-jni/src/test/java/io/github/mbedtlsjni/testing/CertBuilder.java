package io.github.mbedtlsjni.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v1CertificateBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A fluent builder for one X.509 certificate, good and bad alike.
 *
 * <p>Start from a profile, adjust, then sign:
 * <pre>{@code
 * TestCert root = CertBuilder.ca("Test Root CA").selfSigned();
 * TestCert leaf = CertBuilder.server("localhost")
 *         .dnsSan("localhost").ipSan("127.0.0.1")
 *         .keyType(KeyType.RSA_2048)
 *         .expired()
 *         .issuedBy(root);
 * }</pre>
 *
 * <p>Defaults: version 3; EC P-256 key cached under the subject DN (see {@link KeyType#cached});
 * valid from one day ago for 365 days; random positive 63-bit serial; subject and authority
 * key identifiers; critical basicConstraints and keyUsage as the profile says; the issuer's
 * default signature algorithm ({@link KeyType#defaultSignatureAlgorithm()}). Every default can
 * be overridden or removed, which is how error cases are made.
 */
public final class CertBuilder {
    /** A private-arc OID no implementation knows, for {@link #unknownCriticalExtension()}. */
    public static final String UNKNOWN_EXTENSION_OID = "1.3.6.1.4.1.55555.1.1";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    private enum Profile { CA, SERVER, CLIENT, END_ENTITY }

    private final Profile profile;
    private X500Name subject;
    private KeyType keyType = KeyType.EC_P256;
    private String keyLabel;
    private KeyPair keyPair;
    private boolean freshKey;
    private Instant notBefore;
    private Instant notAfter;
    private BigInteger serial;
    private final List<GeneralName> sans = new ArrayList<>();
    private boolean basicConstraints = true;
    private boolean isCa;
    private Integer pathLen;
    private boolean basicConstraintsCritical = true;
    private boolean keyUsageDefault = true;
    private Set<KeyUsageBit> keyUsage;
    private boolean keyUsageCritical = true;
    private List<ExtKeyUsage> extendedKeyUsage;
    private boolean extendedKeyUsageCritical;
    private String signatureAlgorithm;
    private final List<Extension> extraExtensions = new ArrayList<>();
    private boolean version1;
    private boolean tamperSignature;
    private boolean subjectKeyId = true;
    private boolean authorityKeyId = true;
    private X500Name issuerDn;
    private PrivateKey signingKey;

    private CertBuilder(Profile profile, String commonName) {
        this.profile = profile;
        this.isCa = profile == Profile.CA;
        subject(commonName);
        if (profile == Profile.SERVER) {
            extendedKeyUsage = List.of(ExtKeyUsage.SERVER_AUTH);
        } else if (profile == Profile.CLIENT) {
            extendedKeyUsage = List.of(ExtKeyUsage.CLIENT_AUTH);
        }
        validFor(Instant.now().minus(Duration.ofDays(1)), Duration.ofDays(366));
    }

    /** A CA certificate: CA:true (no pathLen), keyUsage keyCertSign + cRLSign. */
    public static CertBuilder ca(String commonName) {
        return new CertBuilder(Profile.CA, commonName);
    }

    /**
     * A TLS server certificate: CA:false, keyUsage digitalSignature (+ keyEncipherment for RSA
     * keys), extendedKeyUsage serverAuth. No SANs: add them with {@link #dnsSan}/{@link #ipSan}.
     */
    public static CertBuilder server(String commonName) {
        return new CertBuilder(Profile.SERVER, commonName);
    }

    /** A TLS client certificate: like {@link #server} but with extendedKeyUsage clientAuth. */
    public static CertBuilder client(String commonName) {
        return new CertBuilder(Profile.CLIENT, commonName);
    }

    /** An end-entity certificate with no extendedKeyUsage at all. */
    public static CertBuilder endEntity(String commonName) {
        return new CertBuilder(Profile.END_ENTITY, commonName);
    }

    // ---- subject and key ------------------------------------------------------------------

    /** Sets the subject to a single {@code CN}. */
    public CertBuilder subject(String commonName) {
        subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
        return this;
    }

    /**
     * Sets the subject from an RFC 4514 DN such as {@code CN=foo,O=Bar,C=SE} (most significant
     * RDN last, as {@link X500Principal} reads it).
     */
    public CertBuilder subjectDn(String dn) {
        subject = parseDn(dn);
        return this;
    }

    /** Sets the subject to exactly this name (multi-valued RDNs, chosen string types, any attribute). */
    public CertBuilder subjectName(X500Name name) {
        subject = name;
        return this;
    }

    /** Makes the subject an empty sequence (then any SAN extension is made critical, per RFC 5280). */
    public CertBuilder emptySubject() {
        subject = new X500Name(new RDN[0]);
        return this;
    }

    /** The kind of key the subject gets (default EC P-256). */
    public CertBuilder keyType(KeyType type) {
        keyType = type;
        return this;
    }

    /** Takes the subject key from the cache under this label instead of under the subject DN. */
    public CertBuilder keyLabel(String label) {
        keyLabel = label;
        return this;
    }

    /** Uses exactly this subject key pair. */
    public CertBuilder keyPair(KeyPair pair) {
        keyPair = pair;
        return this;
    }

    /** Generates a new, uncached subject key. */
    public CertBuilder freshKey() {
        freshKey = true;
        return this;
    }

    // ---- validity and serial --------------------------------------------------------------

    /** Sets notBefore (truncated to whole seconds). */
    public CertBuilder notBefore(Instant instant) {
        notBefore = instant.truncatedTo(ChronoUnit.SECONDS);
        return this;
    }

    /** Sets notAfter (truncated to whole seconds). */
    public CertBuilder notAfter(Instant instant) {
        notAfter = instant.truncatedTo(ChronoUnit.SECONDS);
        return this;
    }

    /** Valid from {@code start} for {@code length}. */
    public CertBuilder validFor(Instant start, Duration length) {
        return notBefore(start).notAfter(start.plus(length));
    }

    /** Valid from 30 days ago until yesterday. */
    public CertBuilder expired() {
        Instant now = Instant.now();
        return notBefore(now.minus(Duration.ofDays(30))).notAfter(now.minus(Duration.ofDays(1)));
    }

    /** Valid from tomorrow for 30 days. */
    public CertBuilder notYetValid() {
        return validFor(Instant.now().plus(Duration.ofDays(1)), Duration.ofDays(30));
    }

    /** Sets the serial number (default: random positive 63-bit). */
    public CertBuilder serial(BigInteger value) {
        serial = value;
        return this;
    }

    // ---- subjectAltName -------------------------------------------------------------------

    /** Adds dNSName SAN entries (wildcards such as {@code *.example.com} are written as given). */
    public CertBuilder dnsSan(String... names) {
        for (String name : names) {
            sans.add(new GeneralName(GeneralName.dNSName, name));
        }
        return this;
    }

    /** Adds iPAddress SAN entries, given as IPv4 or IPv6 literals. */
    public CertBuilder ipSan(String... addresses) {
        for (String address : addresses) {
            sans.add(new GeneralName(GeneralName.iPAddress, address));
        }
        return this;
    }

    /** Removes all SAN entries added so far (no subjectAltName extension unless more are added). */
    public CertBuilder noSan() {
        sans.clear();
        return this;
    }

    // ---- basicConstraints -----------------------------------------------------------------

    /** Sets basicConstraints cA (default true for {@link #ca}, false otherwise). */
    public CertBuilder ca(boolean value) {
        isCa = value;
        basicConstraints = true;
        return this;
    }

    /** Sets basicConstraints pathLenConstraint (and cA to true). */
    public CertBuilder pathLen(int value) {
        pathLen = value;
        return ca(true);
    }

    /** Leaves out basicConstraints entirely. */
    public CertBuilder noBasicConstraints() {
        basicConstraints = false;
        return this;
    }

    /** Whether basicConstraints is marked critical (default true). */
    public CertBuilder basicConstraintsCritical(boolean critical) {
        basicConstraintsCritical = critical;
        return this;
    }

    // ---- keyUsage and extendedKeyUsage ----------------------------------------------------

    /** Sets exactly these keyUsage bits (at least one). */
    public CertBuilder keyUsage(KeyUsageBit first, KeyUsageBit... rest) {
        keyUsage = EnumSet.of(first, rest);
        keyUsageDefault = false;
        return this;
    }

    /** Leaves out keyUsage entirely. */
    public CertBuilder noKeyUsage() {
        keyUsage = null;
        keyUsageDefault = false;
        return this;
    }

    /** Whether keyUsage is marked critical (default true). */
    public CertBuilder keyUsageCritical(boolean critical) {
        keyUsageCritical = critical;
        return this;
    }

    /** Sets exactly these extendedKeyUsage purposes (at least one). */
    public CertBuilder extendedKeyUsage(ExtKeyUsage first, ExtKeyUsage... rest) {
        List<ExtKeyUsage> list = new ArrayList<>();
        list.add(first);
        list.addAll(Arrays.asList(rest));
        extendedKeyUsage = list;
        return this;
    }

    /** Leaves out extendedKeyUsage entirely. */
    public CertBuilder noExtendedKeyUsage() {
        extendedKeyUsage = null;
        return this;
    }

    /** Whether extendedKeyUsage is marked critical (default false). */
    public CertBuilder extendedKeyUsageCritical(boolean critical) {
        extendedKeyUsageCritical = critical;
        return this;
    }

    // ---- other extensions -----------------------------------------------------------------

    /** Adds an arbitrary extension; {@code derValue} is the DER encoding of extnValue's contents. */
    public CertBuilder extension(String oid, boolean critical, byte[] derValue) {
        extraExtensions.add(new Extension(new ASN1ObjectIdentifier(oid), critical, derValue.clone()));
        return this;
    }

    /** Adds the critical extension {@value #UNKNOWN_EXTENSION_OID} (value: NULL), which verifiers must reject. */
    public CertBuilder unknownCriticalExtension() {
        try {
            return extension(UNKNOWN_EXTENSION_OID, true, DERNull.INSTANCE.getEncoded());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Leaves out the subjectKeyIdentifier extension. */
    public CertBuilder noSubjectKeyId() {
        subjectKeyId = false;
        return this;
    }

    /** Leaves out the authorityKeyIdentifier extension. */
    public CertBuilder noAuthorityKeyId() {
        authorityKeyId = false;
        return this;
    }

    /** Makes an X.509 v1 certificate: no extensions at all (every extension setting is ignored). */
    public CertBuilder version1() {
        version1 = true;
        return this;
    }

    // ---- signing --------------------------------------------------------------------------

    /**
     * Sets the JCA signature algorithm, e.g. {@code SHA256withECDSA}, {@code SHA384withECDSA},
     * {@code SHA256withRSA}, {@code SHA1withRSA}, {@code MD5withRSA}, {@code Ed25519}.
     * It must fit the signing key.
     */
    public CertBuilder signatureAlgorithm(String algorithm) {
        signatureAlgorithm = algorithm;
        return this;
    }

    /** Writes this RFC 4514 issuer DN instead of the issuer certificate's subject (an issuer-name mismatch). */
    public CertBuilder issuerDn(String dn) {
        issuerDn = parseDn(dn);
        return this;
    }

    /** Signs with this key instead of the issuer's (a signature that does not verify). */
    public CertBuilder signingKey(PrivateKey key) {
        signingKey = key;
        return this;
    }

    /** Flips a bit of the signature after signing, so it no longer verifies. */
    public CertBuilder tamperSignature() {
        tamperSignature = true;
        return this;
    }

    /** Signs the certificate with its own key. */
    public TestCert selfSigned() {
        KeyPair subjectKeys = subjectKeys();
        return build(subject, subjectKeys, subjectKeys);
    }

    /** Signs the certificate with {@code issuer}'s key, naming {@code issuer}'s subject as issuer. */
    public TestCert issuedBy(TestCert issuer) {
        X500Name issuerName = X500Name.getInstance(
                issuer.certificate().getSubjectX500Principal().getEncoded());
        return build(issuerName, issuer.keyPair(), subjectKeys());
    }

    private KeyPair subjectKeys() {
        if (keyPair != null) {
            return keyPair;
        }
        return freshKey ? keyType.generate() : keyType.cached(keyLabel != null ? keyLabel : subject.toString());
    }

    private TestCert build(X500Name issuerName, KeyPair issuerKeys, KeyPair subjectKeys) {
        try {
            X500Name writtenIssuer = issuerDn != null ? issuerDn : issuerName;
            PrivateKey signer = signingKey != null ? signingKey : issuerKeys.getPrivate();
            String algorithm = signatureAlgorithm != null ? signatureAlgorithm : defaultSignatureAlgorithm(signer);
            BigInteger serialNumber = serial != null ? serial : new BigInteger(63, RANDOM).add(BigInteger.ONE);
            SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(subjectKeys.getPublic().getEncoded());
            ContentSigner contentSigner = contentSigner(algorithm, signer);
            X509CertificateHolder holder;
            if (version1) {
                holder = new X509v1CertificateBuilder(writtenIssuer, serialNumber, Date.from(notBefore),
                        Date.from(notAfter), subject, spki).build(contentSigner);
            } else {
                X509v3CertificateBuilder builder = new X509v3CertificateBuilder(writtenIssuer, serialNumber,
                        Date.from(notBefore), Date.from(notAfter), subject, spki);
                addExtensions(builder, subjectKeys.getPublic(), issuerKeys.getPublic());
                holder = builder.build(contentSigner);
            }
            byte[] der = holder.getEncoded();
            if (tamperSignature) {
                der[der.length - 1] ^= 0x01; // the last byte belongs to the signature value
            }
            X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            return new TestCert(certificate, der, subjectKeys);
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot build certificate for " + subject, e);
        }
    }

    private void addExtensions(X509v3CertificateBuilder builder, PublicKey subjectKey, PublicKey issuerKey)
            throws CertIOException, GeneralSecurityException {
        JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
        if (basicConstraints) {
            BasicConstraints value = isCa && pathLen != null ? new BasicConstraints(pathLen) : new BasicConstraints(isCa);
            builder.addExtension(Extension.basicConstraints, basicConstraintsCritical, value);
        }
        Set<KeyUsageBit> usage = keyUsageDefault ? defaultKeyUsage() : keyUsage;
        if (usage != null) {
            int mask = usage.stream().mapToInt(KeyUsageBit::mask).reduce(0, (a, b) -> a | b);
            builder.addExtension(Extension.keyUsage, keyUsageCritical, new KeyUsage(mask));
        }
        if (extendedKeyUsage != null) {
            KeyPurposeId[] ids = extendedKeyUsage.stream().map(ExtKeyUsage::purposeId).toArray(KeyPurposeId[]::new);
            builder.addExtension(Extension.extendedKeyUsage, extendedKeyUsageCritical, new ExtendedKeyUsage(ids));
        }
        if (!sans.isEmpty()) {
            boolean critical = subject.getRDNs().length == 0;
            builder.addExtension(Extension.subjectAlternativeName, critical,
                    new GeneralNames(sans.toArray(new GeneralName[0])));
        }
        if (subjectKeyId) {
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKey));
        }
        if (authorityKeyId) {
            builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(issuerKey));
        }
        for (Extension extension : extraExtensions) {
            builder.addExtension(extension);
        }
    }

    private Set<KeyUsageBit> defaultKeyUsage() {
        if (profile == Profile.CA) {
            return EnumSet.of(KeyUsageBit.KEY_CERT_SIGN, KeyUsageBit.CRL_SIGN);
        }
        boolean rsa = keyPair != null ? keyPair.getPublic().getAlgorithm().equals("RSA") : keyType.isRsa();
        return rsa && profile != Profile.CLIENT
                ? EnumSet.of(KeyUsageBit.DIGITAL_SIGNATURE, KeyUsageBit.KEY_ENCIPHERMENT)
                : EnumSet.of(KeyUsageBit.DIGITAL_SIGNATURE);
    }

    private static X500Name parseDn(String dn) {
        return X500Name.getInstance(new X500Principal(dn).getEncoded());
    }

    /** A content signer from the default JCA providers, falling back to Bouncy Castle's (unregistered). */
    static ContentSigner contentSigner(String algorithm, PrivateKey key) throws OperatorCreationException {
        try {
            return new JcaContentSignerBuilder(algorithm).build(key);
        } catch (OperatorCreationException | IllegalArgumentException e) {
            return new JcaContentSignerBuilder(algorithm).setProvider(BC).build(key);
        }
    }

    /** The default signature algorithm for a signing key. */
    static String defaultSignatureAlgorithm(Key key) {
        switch (key.getAlgorithm()) {
            case "RSA":
                return "SHA256withRSA";
            case "EC":
                int size = ((ECKey) key).getParams().getCurve().getField().getFieldSize();
                return size <= 256 ? "SHA256withECDSA" : size <= 384 ? "SHA384withECDSA" : "SHA512withECDSA";
            case "EdDSA":
            case "Ed25519":
                return "Ed25519";
            default:
                throw new IllegalArgumentException("no default signature algorithm for " + key.getAlgorithm());
        }
    }
}
