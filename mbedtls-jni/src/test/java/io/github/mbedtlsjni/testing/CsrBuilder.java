package io.github.mbedtlsjni.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A fluent builder for a PKCS#10 certificate signing request, written by Bouncy Castle, with the
 * requested extensions in an extensionRequest attribute (none, and no attribute, by default).
 *
 * <pre>{@code
 * byte[] der = CsrBuilder.subject("CN=device,O=Example").keyType(KeyType.EC_P256)
 *         .keyUsage(KeyUsage.digitalSignature).dnsSan("device.example").buildDer();
 * }</pre>
 */
public final class CsrBuilder {
    private final String subject;
    private KeyPair keyPair = KeyType.EC_P256.cached("csr");
    private String signatureAlgorithm;
    private final ExtensionsGenerator extensions = new ExtensionsGenerator();
    private final List<GeneralName> sans = new ArrayList<>();
    private boolean any;

    private CsrBuilder(String subject) {
        this.subject = subject;
    }

    /** A request for {@code subject} (an RFC 4514 name, e.g. {@code "CN=device,O=Example"}; may be empty). */
    public static CsrBuilder subject(String subject) {
        return new CsrBuilder(subject);
    }

    /** The key pair of this type cached under the label "csr". */
    public CsrBuilder keyType(KeyType type) {
        return keyPair(type.cached("csr"));
    }

    public CsrBuilder keyPair(KeyPair pair) {
        this.keyPair = pair;
        return this;
    }

    /** The JCA signature algorithm, e.g. {@code SHA384withECDSA} (default: the key's default). */
    public CsrBuilder signatureAlgorithm(String algorithm) {
        this.signatureAlgorithm = algorithm;
        return this;
    }

    /** Requests keyUsage with these bits (Bouncy Castle's {@link KeyUsage} constants, or-ed). */
    public CsrBuilder keyUsage(int bits) {
        return extension(Extension.keyUsage, true, new KeyUsage(bits));
    }

    /** Requests extendedKeyUsage with these purposes. */
    public CsrBuilder extendedKeyUsage(KeyPurposeId... purposes) {
        return extension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes));
    }

    /** Requests the Netscape certificate type (bits as in the DER BIT STRING's first byte). */
    public CsrBuilder nsCertType(int bits) {
        return extension(new ASN1ObjectIdentifier("2.16.840.1.113730.1.1"), false, new DERBitString(new byte[] {(byte) bits}, 0));
    }

    /** Adds a subjectAltName entry (all entries go into one extension). */
    public CsrBuilder san(GeneralName name) {
        sans.add(name);
        return this;
    }

    public CsrBuilder dnsSan(String... names) {
        for (String n : names) {
            san(new GeneralName(GeneralName.dNSName, n));
        }
        return this;
    }

    /** Requests any extension, its value given as DER. */
    public CsrBuilder extension(String oid, boolean critical, byte[] derValue) {
        extensions.addExtension(new ASN1ObjectIdentifier(oid), critical, derValue);
        any = true;
        return this;
    }

    private CsrBuilder extension(ASN1ObjectIdentifier oid, boolean critical, org.bouncycastle.asn1.ASN1Encodable value) {
        try {
            extensions.addExtension(oid, critical, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        any = true;
        return this;
    }

    public byte[] buildDer() {
        try {
            if (!sans.isEmpty()) {
                extension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(new GeneralName[0])));
                sans.clear();
            }
            PKCS10CertificationRequestBuilder b = new JcaPKCS10CertificationRequestBuilder(new X500Name(subject), keyPair.getPublic());
            if (any) {
                b.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
            }
            String alg = signatureAlgorithm != null ? signatureAlgorithm : CertBuilder.defaultSignatureAlgorithm(keyPair.getPrivate());
            return b.build(CertBuilder.contentSigner(alg, keyPair.getPrivate())).getEncoded();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The request as PEM ({@code CERTIFICATE REQUEST}), lines of 64 characters. */
    public String buildPem() {
        return "-----BEGIN CERTIFICATE REQUEST-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(buildDer())
                + "\n-----END CERTIFICATE REQUEST-----\n";
    }
}
