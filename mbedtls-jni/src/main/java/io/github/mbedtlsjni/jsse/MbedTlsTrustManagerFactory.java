package io.github.mbedtlsjni.jsse;

import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.cert.CRL;
import java.security.cert.CertStore;
import java.security.cert.Certificate;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.TrustManagerFactorySpi;
import javax.net.ssl.X509TrustManager;

/**
 * {@code TrustManagerFactory.getInstance("PKIX", "MbedTLS")}: trust managers whose anchors and
 * CRLs the provider's SSLContext gives to Mbed TLS ({@code mbedtls_ssl_conf_ca_chain}). This is
 * the standard route for CRLs: {@code init(new CertPathTrustManagerParameters(pkixBuilderParameters))}
 * with the CRLs in a {@link CertStore} of the parameters. {@code init(KeyStore)} takes the key
 * store's trusted certificates ({@code null}: the JDK's default trust store);
 * {@code init(new PemTrustParameters(path...))} takes PEM files and directories, CRLs included.
 */
final class MbedTlsTrustManagerFactory extends TrustManagerFactorySpi {
    private volatile MbedTlsTrustManager manager;

    /** For the provider's service; applications use {@code TrustManagerFactory.getInstance}. */
    public MbedTlsTrustManagerFactory() {
    }

    @Override
    protected void engineInit(KeyStore ks) throws KeyStoreException {
        List<X509Certificate> anchors = new ArrayList<>();
        if (ks == null) {
            try {
                TrustManagerFactory jdk = TrustManagerFactory.getInstance("PKIX", "SunJSSE");
                jdk.init((KeyStore) null);
                for (TrustManager tm : jdk.getTrustManagers()) {
                    if (tm instanceof X509TrustManager) {
                        Collections.addAll(anchors, ((X509TrustManager) tm).getAcceptedIssuers());
                    }
                }
            } catch (GeneralSecurityException e) {
                throw new KeyStoreException("cannot read the JDK's default trust store: " + e.getMessage(), e);
            }
        } else {
            for (String alias : Collections.list(ks.aliases())) {
                if (ks.isCertificateEntry(alias)) {
                    Certificate c = ks.getCertificate(alias);
                    if (c instanceof X509Certificate) {
                        anchors.add((X509Certificate) c);
                    }
                }
            }
        }
        manager = new MbedTlsTrustManager(anchors, List.of());
    }

    @Override
    protected void engineInit(ManagerFactoryParameters spec) throws InvalidAlgorithmParameterException {
        if (spec instanceof PemTrustParameters) {
            PemTrust pem = PemTrust.load(((PemTrustParameters) spec).paths());
            manager = new MbedTlsTrustManager(pem.anchorList(), pem.crlList());
            return;
        }
        if (!(spec instanceof CertPathTrustManagerParameters)) {
            throw new InvalidAlgorithmParameterException("the MbedTLS TrustManagerFactory takes a KeyStore, "
                    + "PemTrustParameters or CertPathTrustManagerParameters, not " + spec);
        }
        if (!(((CertPathTrustManagerParameters) spec).getParameters() instanceof PKIXParameters)) {
            throw new InvalidAlgorithmParameterException("CertPathTrustManagerParameters must hold PKIXParameters "
                    + "(e.g. PKIXBuilderParameters)");
        }
        PKIXParameters pkix = (PKIXParameters) ((CertPathTrustManagerParameters) spec).getParameters();
        List<X509Certificate> anchors = new ArrayList<>();
        for (TrustAnchor a : pkix.getTrustAnchors()) {
            if (a.getTrustedCert() == null) {
                throw new InvalidAlgorithmParameterException("a trust anchor without a certificate (name and key "
                        + "only) cannot be given to Mbed TLS");
            }
            anchors.add(a.getTrustedCert());
        }
        List<X509CRL> crls = new ArrayList<>();
        for (CertStore store : pkix.getCertStores()) {
            try {
                for (CRL crl : store.getCRLs(new X509CRLSelector())) {
                    if (crl instanceof X509CRL) {
                        crls.add((X509CRL) crl);
                    }
                }
            } catch (GeneralSecurityException e) {
                throw new InvalidAlgorithmParameterException("cannot read the CRLs of a CertStore: " + e.getMessage(), e);
            }
        }
        manager = new MbedTlsTrustManager(anchors, crls);
    }

    @Override
    protected TrustManager[] engineGetTrustManagers() {
        MbedTlsTrustManager m = manager;
        if (m == null) {
            throw new IllegalStateException("TrustManagerFactory is not initialized: call init(...)");
        }
        return new TrustManager[] {m};
    }
}
