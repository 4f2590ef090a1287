package io.github.mbedtlsjni;

import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.DebugCallback;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.PkContext;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import io.github.mbedtlsjni.mbedtls.X509Crl;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What {@link TlsClient.Builder} and {@link TlsServer.Builder} both collect, and the configuration
 * steps both run ({@code mbedtls_entropy_init}, {@code mbedtls_ctr_drbg_seed},
 * {@code mbedtls_ssl_config_defaults}, {@code mbedtls_ssl_conf_rng}, {@code _authmode},
 * {@code _min/max_tls_version}, {@code _ca_chain} with CRLs, {@code _ciphersuites},
 * {@code _alpn_protocols}, {@code _dbg}); each builder adds its role's own steps through a
 * {@link RoleSteps}. Not thread-safe: a builder's state.
 */
final class TlsSettings {
    final List<ClientMaterial.TrustSource> trust = new ArrayList<>();
    final List<ClientMaterial.CrlSource> crls = new ArrayList<>();
    AuthMode authMode;
    TlsVersion minVersion;
    TlsVersion maxVersion;
    String[] ciphersuites;
    String[] alpn;
    int handshakeTimeoutMillis;
    int readTimeoutMillis;
    int writeTimeoutMillis;
    private int debugLevel;
    private DebugCallback debugCallback;
    String personalization;
    /** Set by {@link #build}: trust anchors parsed and skipped. */
    int trustAnchorCount;
    int skippedTrustAnchors;

    TlsSettings(AuthMode authMode, String personalization) {
        this.authMode = authMode;
        this.personalization = personalization;
    }

    /** The steps of one role, run on the config after the common ones; what they allocate goes to {@code owners}. */
    interface RoleSteps {
        void apply(SslConfig config, CtrDrbg drbg, List<AutoCloseable> owners) throws IOException;
    }

    void tlsVersions(TlsVersion min, TlsVersion max) {
        Objects.requireNonNull(min, "min");
        Objects.requireNonNull(max, "max");
        if (min.compareTo(max) > 0) {
            throw new IllegalArgumentException("minimum " + min + " is above maximum " + max);
        }
        this.minVersion = min;
        this.maxVersion = max;
    }

    void debug(int level, DebugCallback callback) {
        if (level < 0 || level > 5) {
            throw new IllegalArgumentException("debug level " + level + " is not 0 (off) to 5");
        }
        if (level > 0) {
            Objects.requireNonNull(callback, "callback");
        }
        this.debugLevel = level;
        this.debugCallback = callback;
    }

    /**
     * Runs the common steps for {@code endpoint}, then {@code role}'s, and returns the config;
     * the Java owners of what it uses are closed (the config keeps them allocated).
     */
    SslConfig build(SslConfig.Endpoint endpoint, RoleSteps role) throws IOException {
        skippedTrustAnchors = 0;
        trustAnchorCount = 0;
        List<AutoCloseable> owners = new ArrayList<>();
        SslConfig config = null;
        try {
            Entropy entropy = add(owners, new Entropy());
            CtrDrbg drbg = add(owners, new CtrDrbg());
            drbg.seed(entropy, personalization.getBytes(StandardCharsets.UTF_8));
            config = new SslConfig();
            config.defaults(endpoint, SslConfig.Transport.STREAM);
            config.setRng(drbg);
            config.setAuthMode(authMode);
            if (minVersion != null) {
                // Widen first so that min <= max holds at every step.
                config.setMaxTlsVersion(maxVersion);
                config.setMinTlsVersion(minVersion);
            }
            if (!trust.isEmpty()) {
                X509Crt ca = add(owners, new X509Crt());
                for (ClientMaterial.TrustSource source : trust) {
                    skippedTrustAnchors += source.addTo(ca);
                }
                trustAnchorCount = ca.size();
                X509Crl crl = null;
                if (!crls.isEmpty()) {
                    crl = add(owners, new X509Crl());
                    for (ClientMaterial.CrlSource source : crls) {
                        source.addTo(crl);
                    }
                }
                config.setCaChain(ca, crl);
            } else if (!crls.isEmpty()) {
                throw new IllegalStateException("CRLs without trust anchors: add trust anchors too");
            }
            if (ciphersuites != null) {
                config.setCiphersuites(ciphersuites);
            }
            if (alpn != null) {
                config.setAlpnProtocols(alpn);
            }
            if (debugLevel > 0) {
                config.setDebug(debugLevel, debugCallback);
            }
            role.apply(config, drbg, owners);
            SslConfig built = config;
            config = null;
            return built;
        } finally {
            closeOwners(owners);
            if (config != null) {
                config.close();
            }
        }
    }

    /**
     * Loads {@code identity} and gives it to the config: {@code mbedtls_ssl_conf_own_cert}, or for
     * a {@code serverName} {@link SslConfig#addSniIdentity}.
     */
    static void ownCert(SslConfig config, ClientMaterial.IdentitySource identity, String serverName, CtrDrbg drbg,
            List<AutoCloseable> owners) throws IOException {
        X509Crt chain = add(owners, new X509Crt());
        PkContext key = add(owners, new PkContext());
        identity.load(chain, key, drbg);
        if (serverName == null) {
            config.setOwnCert(chain, key);
        } else {
            config.addSniIdentity(serverName, chain, key);
        }
    }

    /** Closes the Java owners of what a config keeps allocated once the config is built (or failed). */
    static void closeOwners(List<AutoCloseable> owners) {
        for (AutoCloseable owner : owners) {
            try {
                owner.close();
            } catch (Exception ignored) {
                // close() of these classes throws nothing
            }
        }
    }

    static <T extends AutoCloseable> T add(List<AutoCloseable> owners, T owner) {
        owners.add(owner);
        return owner;
    }

    /** A builder's duration in ms: zero is none, a positive fraction of a ms is 1. */
    static int millis(Duration timeout, String what) {
        Objects.requireNonNull(timeout, what);
        if (timeout.isNegative()) {
            throw new IllegalArgumentException(what + " is negative: " + timeout);
        }
        long ms = timeout.toMillis();
        if (ms == 0 && !timeout.isZero()) {
            ms = 1;
        }
        if (ms > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " is too long: " + timeout);
        }
        return (int) ms;
    }

    /** Mbed TLS's debug lines to {@code logger} at {@code at}. */
    static DebugCallback toLogger(System.Logger logger, System.Logger.Level at) {
        return (level, file, line, text) -> {
            if (logger.isLoggable(at)) {
                String shortFile = file.substring(file.lastIndexOf('/') + 1);
                logger.log(at, "[" + level + "] " + shortFile + ":" + line + ": " + text.stripTrailing());
            }
        };
    }
}
