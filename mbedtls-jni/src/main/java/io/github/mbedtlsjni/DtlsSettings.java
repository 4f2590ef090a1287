package io.github.mbedtlsjni;

import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.DebugCallback;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.PkContext;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslCookie;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What {@link DtlsClient.Builder} and {@link DtlsServer.Builder} collect, and the configuration
 * steps that turn it into one {@link SslConfig} for DTLS ({@code mbedtls_ssl_config_defaults}
 * with {@code MBEDTLS_SSL_TRANSPORT_DATAGRAM}, then {@code mbedtls_ssl_conf_*}): trust anchors,
 * an identity (certificate chain and key) or a pre-shared key, cipher suites, the CID length,
 * the MTU and the handshake timeout. Not thread-safe: a builder's state.
 */
final class DtlsSettings {
    /** Default MTU: an IPv6 path's minimum (1280) less the IPv6 and UDP headers. */
    static final int DEFAULT_MTU = 1232;

    private final List<Path> trustFiles = new ArrayList<>();
    private final List<byte[]> trustData = new ArrayList<>();
    AuthMode authMode = AuthMode.REQUIRED;
    private Path chainFile;
    private Path keyFile;
    private byte[] chainData;
    private byte[] keyData;
    private char[] keyPassword;
    private byte[] pskIdentity;
    private byte[] pskKey;
    private String[] ciphersuites;
    int cidLength = -1;
    int mtu = DEFAULT_MTU;
    private int timeoutMinMs;
    private int timeoutMaxMs;
    private int debugLevel;
    private DebugCallback debugCallback;

    void trustPemFile(Path file) {
        trustFiles.add(Objects.requireNonNull(file, "file"));
    }

    void trust(byte[] pemOrDer) {
        trustData.add(Objects.requireNonNull(pemOrDer, "data").clone());
    }

    void trust(X509Certificate... certificates) {
        Objects.requireNonNull(certificates, "certificates");
        for (X509Certificate c : certificates) {
            try {
                trustData.add(Objects.requireNonNull(c, "certificate").getEncoded());
            } catch (CertificateEncodingException e) {
                throw new IllegalArgumentException("cannot encode " + c.getSubjectX500Principal() + ": " + e.getMessage(), e);
            }
        }
    }

    boolean hasTrust() {
        return !trustFiles.isEmpty() || !trustData.isEmpty();
    }

    void identity(Path chain, Path key, char[] password) {
        chainFile = Objects.requireNonNull(chain, "chain");
        keyFile = Objects.requireNonNull(key, "key");
        chainData = null;
        keyData = null;
        keyPassword = password == null ? null : password.clone();
    }

    void identity(byte[] chain, byte[] key, char[] password) {
        chainData = Objects.requireNonNull(chain, "chain").clone();
        keyData = Objects.requireNonNull(key, "key").clone();
        chainFile = null;
        keyFile = null;
        keyPassword = password == null ? null : password.clone();
    }

    boolean hasIdentity() {
        return chainFile != null || chainData != null;
    }

    void psk(String identity, byte[] key) {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(key, "key");
        if (identity.isEmpty() || key.length == 0) {
            throw new IllegalArgumentException("PSK identity and key must not be empty");
        }
        pskIdentity = identity.getBytes(StandardCharsets.UTF_8);
        pskKey = key.clone();
    }

    boolean hasPsk() {
        return pskKey != null;
    }

    void ciphersuites(String... names) {
        ciphersuites = Objects.requireNonNull(names, "names").clone();
    }

    void cid(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("CID length " + length + " is negative");
        }
        cidLength = length;
    }

    void mtu(int bytes) {
        if (bytes < 0 || bytes > 65535) {
            throw new IllegalArgumentException("MTU " + bytes + " is not 0..65535");
        }
        mtu = bytes;
    }

    void handshakeTimeout(Duration min, Duration max) {
        long lo = Objects.requireNonNull(min, "min").toMillis();
        long hi = Objects.requireNonNull(max, "max").toMillis();
        if (lo <= 0 || hi < lo || hi > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("handshake timeout " + min + ".." + max + ": need 0 < min <= max");
        }
        timeoutMinMs = (int) lo;
        timeoutMaxMs = (int) hi;
    }

    void debug(int level, DebugCallback callback) {
        if (level < 0 || level > 5) {
            throw new IllegalArgumentException("debug level " + level + " is not 0..5");
        }
        debugLevel = level;
        debugCallback = level > 0 ? Objects.requireNonNull(callback, "callback") : null;
    }

    /**
     * Runs the configuration steps for {@code endpoint}: {@code mbedtls_entropy_init},
     * {@code mbedtls_ctr_drbg_seed}, {@code mbedtls_ssl_config_defaults(..., DATAGRAM, ...)},
     * {@code mbedtls_ssl_conf_rng}, {@code _authmode}, {@code mbedtls_x509_crt_parse*} and
     * {@code _conf_ca_chain}, {@code mbedtls_pk_parse_key*} and {@code _conf_own_cert},
     * {@code _conf_psk}, {@code _conf_ciphersuites}, {@code _conf_handshake_timeout},
     * {@code _conf_cid} and, for a server, {@code mbedtls_ssl_cookie_setup} and
     * {@code _conf_dtls_cookies}. The config keeps everything it uses allocated.
     */
    SslConfig build(SslConfig.Endpoint endpoint, String what) throws IOException {
        List<AutoCloseable> owners = new ArrayList<>();
        SslConfig config = null;
        try {
            Entropy entropy = add(owners, new Entropy());
            CtrDrbg drbg = add(owners, new CtrDrbg());
            drbg.seed(entropy, "mbedtls-jni dtls " + what);
            config = new SslConfig();
            config.defaults(endpoint, SslConfig.Transport.DATAGRAM);
            config.setRng(drbg);
            config.setAuthMode(authMode);
            if (hasTrust()) {
                X509Crt ca = add(owners, new X509Crt());
                for (Path file : trustFiles) {
                    loading("the trust file " + file, () -> ca.parseFile(file));
                }
                for (byte[] data : trustData) {
                    loading("the trusted certificates given to trust(...)", () -> ca.parse(data));
                }
                config.setCaChain(ca);
            }
            if (hasIdentity()) {
                X509Crt chain = add(owners, new X509Crt());
                PkContext key = add(owners, new PkContext());
                if (chainFile != null) {
                    loading("the certificate chain " + chainFile, () -> chain.parseFile(chainFile));
                    loading("the private key " + keyFile, () -> {
                        key.parseKeyFile(keyFile, keyPassword, drbg);
                        return 0;
                    });
                } else {
                    loading("the certificate chain given to identity(...)", () -> chain.parse(chainData));
                    loading("the private key given to identity(...)", () -> {
                        key.parseKey(keyData, keyPassword, drbg);
                        return 0;
                    });
                }
                config.setOwnCert(chain, key);
            }
            if (pskKey != null) {
                config.setPsk(pskKey, pskIdentity);
            }
            if (ciphersuites != null) {
                config.setCiphersuites(ciphersuites);
            }
            if (timeoutMinMs > 0) {
                config.setHandshakeTimeout(timeoutMinMs, timeoutMaxMs);
            }
            if (cidLength >= 0) {
                config.setCid(cidLength, true);
            }
            if (endpoint == SslConfig.Endpoint.SERVER) {
                SslCookie cookie = add(owners, new SslCookie());
                cookie.setup(drbg);
                config.setDtlsCookies(cookie);
            }
            if (debugLevel > 0) {
                config.setDebug(debugLevel, debugCallback);
            }
            SslConfig result = config;
            config = null;
            return result;
        } finally {
            TlsSettings.closeOwners(owners);
            if (config != null) {
                config.close();
            }
        }
    }

    /** Wipes the key material kept for building. */
    void wipe() {
        if (pskKey != null) {
            Arrays.fill(pskKey, (byte) 0);
        }
        if (keyData != null) {
            Arrays.fill(keyData, (byte) 0);
        }
        if (keyPassword != null) {
            Arrays.fill(keyPassword, '\0');
        }
    }

    /** A parse step. */
    private interface Parse {
        int run();
    }

    /** What Mbed TLS refuses in {@code what} becomes a {@link TlsException} naming it. */
    private static void loading(String what, Parse step) throws IOException {
        try {
            step.run();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (MbedTlsException e) {
            throw new TlsException("cannot use " + what + ": " + e.getMessage(), e);
        }
    }

    private static <T extends AutoCloseable> T add(List<AutoCloseable> owners, T owner) {
        owners.add(owner);
        return owner;
    }
}
