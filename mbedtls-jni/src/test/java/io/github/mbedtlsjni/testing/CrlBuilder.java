package io.github.mbedtlsjni.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.AbstractMap;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.operator.OperatorCreationException;

/**
 * A fluent builder for a version 2 X.509 CRL.
 *
 * <pre>{@code
 * TestCrl crl = CrlBuilder.issuedBy(pki.intermediate()).revoke(badLeaf).build();
 * TestCrl stale = CrlBuilder.issuedBy(pki.intermediate()).expired().build();
 * }</pre>
 *
 * <p>Defaults: thisUpdate one hour ago, nextUpdate in 7 days, CRL number 1, an
 * authorityKeyIdentifier, signed by the issuer's key with its default algorithm.
 */
public final class CrlBuilder {
    private final TestCert issuer;
    private final Map<BigInteger, Instant> revoked = new LinkedHashMap<>();
    private final Map<BigInteger, Map.Entry<Instant, Extensions>> revokedWith = new LinkedHashMap<>();
    private Instant thisUpdate;
    private Instant nextUpdate;
    private BigInteger crlNumber = BigInteger.ONE;
    private String signatureAlgorithm;
    private PrivateKey signingKey;
    private boolean tamperSignature;

    private CrlBuilder(TestCert issuer) {
        this.issuer = issuer;
        Instant now = Instant.now();
        thisUpdate(now.minus(Duration.ofHours(1)));
        nextUpdate(now.plus(Duration.ofDays(7)));
    }

    /** A CRL naming {@code issuer} as its issuer and (by default) signed by its key. */
    public static CrlBuilder issuedBy(TestCert issuer) {
        return new CrlBuilder(issuer);
    }

    /** Lists these certificates' serial numbers as revoked (reason: keyCompromise). */
    public CrlBuilder revoke(TestCert... certs) {
        for (TestCert cert : certs) {
            revoke(cert.serial());
        }
        return this;
    }

    /** Lists this serial number as revoked one day ago (reason: keyCompromise). */
    public CrlBuilder revoke(BigInteger serial) {
        revoked.put(serial, Instant.now().minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS));
        return this;
    }

    /**
     * Lists this serial number as revoked at {@code when} (whole seconds) with exactly these
     * crlEntryExtensions (null: none), after the entries {@link #revoke} adds.
     */
    public CrlBuilder revoke(BigInteger serial, Instant when, Extensions extensions) {
        revokedWith.put(serial, new AbstractMap.SimpleImmutableEntry<>(when.truncatedTo(ChronoUnit.SECONDS), extensions));
        return this;
    }

    /** Sets thisUpdate (truncated to whole seconds). */
    public CrlBuilder thisUpdate(Instant instant) {
        thisUpdate = instant.truncatedTo(ChronoUnit.SECONDS);
        return this;
    }

    /** Sets nextUpdate (truncated to whole seconds). */
    public CrlBuilder nextUpdate(Instant instant) {
        nextUpdate = instant.truncatedTo(ChronoUnit.SECONDS);
        return this;
    }

    /** Leaves out nextUpdate (allowed by X.509, forbidden by RFC 5280). */
    public CrlBuilder noNextUpdate() {
        nextUpdate = null;
        return this;
    }

    /** thisUpdate 30 days ago, nextUpdate yesterday. */
    public CrlBuilder expired() {
        Instant now = Instant.now();
        return thisUpdate(now.minus(Duration.ofDays(30))).nextUpdate(now.minus(Duration.ofDays(1)));
    }

    /** thisUpdate tomorrow, nextUpdate in 30 days. */
    public CrlBuilder notYetValid() {
        Instant now = Instant.now();
        return thisUpdate(now.plus(Duration.ofDays(1))).nextUpdate(now.plus(Duration.ofDays(30)));
    }

    /** Sets the cRLNumber extension value. */
    public CrlBuilder crlNumber(BigInteger value) {
        crlNumber = value;
        return this;
    }

    /** Sets the JCA signature algorithm (default: the issuer key's default). */
    public CrlBuilder signatureAlgorithm(String algorithm) {
        signatureAlgorithm = algorithm;
        return this;
    }

    /** Signs with this key instead of the issuer's, so the signature does not verify. */
    public CrlBuilder signingKey(PrivateKey key) {
        signingKey = key;
        return this;
    }

    /** Flips a bit of the signature after signing. */
    public CrlBuilder tamperSignature() {
        tamperSignature = true;
        return this;
    }

    /** Signs and parses the CRL. */
    public TestCrl build() {
        byte[] der = buildDer();
        try {
            X509CRL crl = (X509CRL) CertificateFactory.getInstance("X.509")
                    .generateCRL(new ByteArrayInputStream(der));
            return new TestCrl(crl, der);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK refuses the CRL of " + issuer + " (buildDer() skips its parser)", e);
        }
    }

    /** Signs the CRL and returns its DER without the JDK parsing it (which refuses some CRLs Mbed TLS reads). */
    public byte[] buildDer() {
        try {
            X500Name issuerName = X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded());
            X509v2CRLBuilder builder = new X509v2CRLBuilder(issuerName, Date.from(thisUpdate));
            if (nextUpdate != null) {
                builder.setNextUpdate(Date.from(nextUpdate));
            }
            for (Map.Entry<BigInteger, Instant> entry : revoked.entrySet()) {
                builder.addCRLEntry(entry.getKey(), Date.from(entry.getValue()), CRLReason.keyCompromise);
            }
            for (Map.Entry<BigInteger, Map.Entry<Instant, Extensions>> entry : revokedWith.entrySet()) {
                builder.addCRLEntry(entry.getKey(), Date.from(entry.getValue().getKey()), entry.getValue().getValue());
            }
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(issuer.publicKey()));
            builder.addExtension(Extension.cRLNumber, false, new CRLNumber(crlNumber));
            PrivateKey signer = signingKey != null ? signingKey : issuer.privateKey();
            String algorithm = signatureAlgorithm != null
                    ? signatureAlgorithm : CertBuilder.defaultSignatureAlgorithm(signer);
            byte[] der = builder.build(CertBuilder.contentSigner(algorithm, signer)).getEncoded();
            if (tamperSignature) {
                der[der.length - 1] ^= 0x01;
            }
            return der;
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot build CRL of " + issuer, e);
        }
    }
}
