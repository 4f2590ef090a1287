package io.github.mbedtlsjni.jsse;

import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.VerifyResult;
import io.github.mbedtlsjni.mbedtls.X509Crl;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.net.Socket;
import java.security.cert.CRLException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The trust manager of {@link MbedTlsTrustManagerFactory}: anchors and CRLs for Mbed TLS. The
 * provider's handshakes give both to Mbed TLS and never call this object; called directly (by
 * an application, or another provider's handshake), it verifies offline with Mbed TLS too
 * ({@code mbedtls_x509_crt_verify_with_profile}, default profile, no name check).
 */
final class MbedTlsTrustManager extends X509ExtendedTrustManager {
    private final X509Certificate[] anchors;
    private final List<X509CRL> crls;

    MbedTlsTrustManager(List<X509Certificate> anchors, List<X509CRL> crls) {
        this.anchors = anchors.toArray(new X509Certificate[0]);
        this.crls = List.copyOf(crls);
    }

    List<X509CRL> crls() {
        return crls;
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return anchors.clone();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(chain);
    }

    private void verify(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new IllegalArgumentException("empty certificate chain");
        }
        try (X509Crt subject = new X509Crt(); X509Crt trusted = new X509Crt(); X509Crl revoked = new X509Crl()) {
            for (X509Certificate c : chain) {
                subject.parseDer(c.getEncoded());
            }
            for (X509Certificate c : anchors) {
                try {
                    trusted.parseDer(c.getEncoded());
                } catch (MbedTlsException e) {
                    // an anchor Mbed TLS cannot parse anchors nothing for it
                }
            }
            for (X509CRL crl : crls) {
                revoked.parse(crl.getEncoded());
            }
            VerifyResult r = subject.verify(trusted, crls.isEmpty() ? null : revoked, null);
            if (!r.isOk()) {
                throw new CertificateException("Mbed TLS refused the chain: " + String.join(" | ", r.flagNames()) + " ("
                        + r.info().strip().replace('\n', ';') + ")");
            }
        } catch (CertificateEncodingException | CRLException | MbedTlsException e) {
            throw new CertificateException("Mbed TLS cannot check the chain: " + e.getMessage(), e);
        }
    }
}
