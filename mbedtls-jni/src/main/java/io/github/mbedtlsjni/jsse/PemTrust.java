package io.github.mbedtlsjni.jsse;

import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.X509Crl;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.InvalidAlgorithmParameterException;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the files of {@link PemTrustParameters}: Mbed TLS parses each one (so a file Mbed TLS
 * cannot use is refused with its error), and the certificates and CRLs it parsed become the JDK
 * objects a trust manager hands out.
 */
final class PemTrust {
    private static final String BEGIN_CERTIFICATE = "-----BEGIN CERTIFICATE-----";
    private static final Pattern PEM_CRL =
            Pattern.compile("-----BEGIN X509 CRL-----(.*?)-----END X509 CRL-----", Pattern.DOTALL);

    final Set<X509Certificate> anchors = new LinkedHashSet<>();
    final Set<X509CRL> crls = new LinkedHashSet<>();

    private PemTrust() {}

    /** The anchors and CRLs of the files and directories, in order, without repeats. */
    static PemTrust load(List<Path> paths) throws InvalidAlgorithmParameterException {
        PemTrust t = new PemTrust();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                t.loadDirectory(p);
            } else {
                t.loadFile(p);
            }
        }
        return t;
    }

    private void loadDirectory(Path dir) throws InvalidAlgorithmParameterException {
        Set<Path> files = new TreeSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path f : entries) {
                if (Files.isRegularFile(f)) {
                    files.add(f);
                }
            }
        } catch (IOException e) {
            throw refused(dir, "cannot list the directory: " + e, e);
        }
        int before = anchors.size();
        for (Path f : files) {
            try {
                loadFile(f);
            } catch (InvalidAlgorithmParameterException notTrust) {
                // neither certificates nor CRLs: skipped, as mbedtls_x509_crt_parse_path skips it
            }
        }
        if (anchors.size() == before) {
            throw refused(dir, "the directory holds no certificate Mbed TLS can parse (" + files.size() + " files)",
                    null);
        }
    }

    private void loadFile(Path file) throws InvalidAlgorithmParameterException {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw refused(file, "cannot read it: " + e, e);
        }
        String text = new String(data, StandardCharsets.ISO_8859_1);
        try {
            if (!text.contains("-----BEGIN ")) {
                loadDer(file, data);
                return;
            }
            boolean any = false;
            if (text.contains(BEGIN_CERTIFICATE)) {
                // mbedtls_x509_crt_parse: every PEM certificate of the file
                try (X509Crt crt = new X509Crt()) {
                    int failed = crt.parse(data);
                    if (failed > 0) {
                        throw refused(file, failed + " of its certificates cannot be parsed by Mbed TLS", null);
                    }
                    anchors.addAll(crt.toX509Certificates());
                }
                any = true;
            }
            Matcher m = PEM_CRL.matcher(text);
            while (m.find()) {
                crl(Base64.getMimeDecoder().decode(m.group(1)));
                any = true;
            }
            if (!any) {
                throw refused(file, "it holds no PEM certificate or X509 CRL", null);
            }
        } catch (MbedTlsException | CertificateException | CRLException | IllegalArgumentException e) {
            throw refused(file, e.getMessage(), e);
        }
    }

    /** One DER certificate, else one DER CRL. */
    private void loadDer(Path file, byte[] der) throws CertificateException, CRLException,
            InvalidAlgorithmParameterException {
        try (X509Crt crt = new X509Crt()) {
            crt.parseDer(der); // mbedtls_x509_crt_parse_der
            anchors.addAll(crt.toX509Certificates());
        } catch (MbedTlsException notACertificate) {
            try {
                crl(der);
            } catch (MbedTlsException notACrl) {
                InvalidAlgorithmParameterException e = refused(file, "it is neither a PEM file nor a DER certificate "
                        + "or CRL Mbed TLS can parse: " + notACertificate.getMessage() + "; as a CRL: "
                        + notACrl.getMessage(), notACertificate);
                e.addSuppressed(notACrl);
                throw e;
            }
        }
    }

    /** A DER CRL: parsed by Mbed TLS ({@code mbedtls_x509_crl_parse}), then given as the JDK's. */
    private void crl(byte[] der) throws CRLException, CertificateException {
        try (X509Crl crl = new X509Crl()) {
            crl.parse(der);
        }
        crls.add((X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der)));
    }

    private static InvalidAlgorithmParameterException refused(Path file, String why, Throwable cause) {
        InvalidAlgorithmParameterException e = new InvalidAlgorithmParameterException("cannot trust " + file + ": "
                + why);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    List<X509Certificate> anchorList() {
        return new ArrayList<>(anchors);
    }

    List<X509CRL> crlList() {
        return new ArrayList<>(crls);
    }
}
