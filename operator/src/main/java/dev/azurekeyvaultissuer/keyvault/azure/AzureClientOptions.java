package dev.azurekeyvaultissuer.keyvault.azure;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * How the operator talks to Entra ID and to vaults, fixed once at startup by the configuration layer.
 *
 * @param authorityHost Entra ID's login endpoint, e.g. {@code https://login.microsoftonline.us} for Azure Government
 *     or a local token endpoint in tests; empty: {@code AZURE_AUTHORITY_HOST}, else the public cloud. Instance
 *     discovery is turned off for any host that is not one of Azure's public, China or US Government clouds.
 * @param sslContext trust for vault and token endpoints; empty: the JDK's default trust store. TLS verification is
 *     always on: this only lets tests trust a local emulator's certificate.
 * @param disableChallengeResourceVerification TEST ONLY. Azure's SDK checks that the resource a vault names in its
 *     authentication challenge ({@code https://vault.azure.net}) is a suffix of the vault's host, so a token for one
 *     vault cannot be phished by a host pretending to be a vault. A vault at {@code https://127.0.0.1:port} cannot
 *     pass that check; never turn it off against real vaults.
 * @param retries how failed vault calls (429, 408, 5xx, I/O errors) are retried inside one {@code KeyVault} call
 * @param connectTimeout TCP and TLS connection set-up
 * @param responseTimeout the most one vault call may take, its retries and the whole response body included
 * @param maxResponseBytes the largest response body read from a vault or Entra ID; the call fails while reading more
 */
public record AzureClientOptions(
        Optional<URI> authorityHost,
        Optional<SSLContext> sslContext,
        boolean disableChallengeResourceVerification,
        Retries retries,
        Duration connectTimeout,
        Duration responseTimeout,
        long maxResponseBytes) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(30);
    public static final long DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

    public AzureClientOptions {
        Objects.requireNonNull(authorityHost, "authorityHost");
        Objects.requireNonNull(sslContext, "sslContext");
        Objects.requireNonNull(retries, "retries");
        requirePositive(connectTimeout, "connect timeout");
        requirePositive(responseTimeout, "response timeout");
        if (maxResponseBytes < 1) {
            throw new IllegalArgumentException("the response size cap must be positive, not " + maxResponseBytes);
        }
        authorityHost.ifPresent(host -> {
            if (!"https".equalsIgnoreCase(host.getScheme()) || host.getHost() == null) {
                throw new IllegalArgumentException("Azure authority host \"" + host
                        + "\" must be an https URL such as https://login.microsoftonline.com");
            }
        });
    }

    /** Public cloud from the environment, JDK trust, verification on, 3 retries from 1 s to 30 s. */
    public static AzureClientOptions defaults() {
        return new AzureClientOptions(
                Optional.empty(),
                Optional.empty(),
                false,
                Retries.defaults(),
                DEFAULT_CONNECT_TIMEOUT,
                DEFAULT_RESPONSE_TIMEOUT,
                DEFAULT_MAX_RESPONSE_BYTES);
    }

    public AzureClientOptions withAuthorityHost(URI host) {
        return new AzureClientOptions(
                Optional.of(host),
                sslContext,
                disableChallengeResourceVerification,
                retries,
                connectTimeout,
                responseTimeout,
                maxResponseBytes);
    }

    public AzureClientOptions withSslContext(SSLContext context) {
        return new AzureClientOptions(
                authorityHost,
                Optional.of(context),
                disableChallengeResourceVerification,
                retries,
                connectTimeout,
                responseTimeout,
                maxResponseBytes);
    }

    /** TEST ONLY: see {@link #disableChallengeResourceVerification()}. */
    public AzureClientOptions withChallengeResourceVerificationDisabled() {
        return new AzureClientOptions(
                authorityHost, sslContext, true, retries, connectTimeout, responseTimeout, maxResponseBytes);
    }

    public AzureClientOptions withRetries(Retries newRetries) {
        return new AzureClientOptions(
                authorityHost,
                sslContext,
                disableChallengeResourceVerification,
                newRetries,
                connectTimeout,
                responseTimeout,
                maxResponseBytes);
    }

    public AzureClientOptions withTimeouts(Duration connect, Duration response) {
        return new AzureClientOptions(
                authorityHost,
                sslContext,
                disableChallengeResourceVerification,
                retries,
                connect,
                response,
                maxResponseBytes);
    }

    public AzureClientOptions withMaxResponseBytes(long bytes) {
        return new AzureClientOptions(
                authorityHost,
                sslContext,
                disableChallengeResourceVerification,
                retries,
                connectTimeout,
                responseTimeout,
                bytes);
    }

    /**
     * An SSLContext that trusts exactly the certificates of a PKCS#12 trust store, e.g. the emulator's
     * {@code truststore.p12}, for {@link #withSslContext}. Hostnames are still verified.
     */
    public static SSLContext trustStoreContext(Path pkcs12, Optional<String> password) {
        try (InputStream in = Files.newInputStream(pkcs12)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password.map(String::toCharArray).orElse(null));
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("trust store " + pkcs12 + " cannot be used: " + e.getMessage(), e);
        }
    }

    /**
     * Exponential backoff for one vault call: the n-th retry waits about {@code baseDelay * 2^n} (with jitter), at
     * most {@code maxDelay}. A Retry-After, retry-after-ms or x-ms-retry-after-ms from the vault replaces the
     * computed delay when it is at most {@code maxDelay}; a longer one ends the retries at once and reaches the
     * caller as THROTTLED with that delay, so no thread sleeps for minutes inside the SDK.
     */
    public record Retries(int maxRetries, Duration baseDelay, Duration maxDelay) {

        public Retries {
            if (maxRetries < 0) {
                throw new IllegalArgumentException("vault retries must not be negative, not " + maxRetries);
            }
            requirePositive(baseDelay, "vault retry base delay");
            requirePositive(maxDelay, "vault retry maximum delay");
            if (baseDelay.compareTo(maxDelay) > 0) {
                throw new IllegalArgumentException(
                        "vault retry base delay " + baseDelay + " is longer than the maximum delay " + maxDelay);
            }
        }

        public static Retries defaults() {
            return new Retries(3, Duration.ofSeconds(1), Duration.ofSeconds(30));
        }

        public static Retries none() {
            return new Retries(0, Duration.ofSeconds(1), Duration.ofSeconds(1));
        }
    }

    private static void requirePositive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(what + " must be positive, not " + d);
        }
    }
}
