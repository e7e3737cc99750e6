package dev.azurekeyvaultissuer.keyvault.azure;

import com.azure.core.client.traits.HttpTrait;
import com.azure.core.client.traits.TokenCredentialTrait;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.util.ClientOptions;
import com.azure.security.keyvault.certificates.CertificateClient;
import com.azure.security.keyvault.certificates.CertificateClientBuilder;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.KeyClientBuilder;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.CryptographyClientBuilder;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import dev.azurekeyvaultissuer.keyvault.VaultHosts;
import dev.azurekeyvaultissuer.keyvault.VaultTraffic;
import java.net.URI;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The Key Vault SDK clients of one identity, all built alike: its credential (and so one token cache), one HTTP
 * client with the configured trust, our retries, the traffic policy, an application id. Built on first use and kept:
 * key, secret and certificate clients per vault URL, cryptography clients per versioned key id.
 *
 * <p>Cryptography clients are built with key caching off: otherwise their first call GETs the key to try local
 * cryptography, one more call that also needs {@code keys/get}.
 */
final class VaultClients {

    // Keys rotate rarely; this bound only keeps a long-lived process from collecting every version it ever used.
    private static final int MAX_CRYPTOGRAPHY_CLIENTS = 512;

    private final TokenCredential credential;
    private final BoundedHttpClient httpClient;
    private final HttpPipelinePolicy deadlinePolicy;
    private final boolean disableChallengeResourceVerification;
    private final RetryOptions retryOptions;
    private final VaultTrafficPolicy trafficPolicy;
    private final ClientOptions clientOptions;
    private final ConcurrentMap<URI, KeyClient> keyClients = new ConcurrentHashMap<>();
    private final ConcurrentMap<URI, SecretClient> secretClients = new ConcurrentHashMap<>();
    private final ConcurrentMap<URI, CertificateClient> certificateClients = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, CryptographyClient> cryptographyClients = new ConcurrentHashMap<>();

    VaultClients(
            TokenCredential credential,
            BoundedHttpClient httpClient,
            AzureClientOptions options,
            VaultTraffic traffic,
            String applicationId) {
        this.credential = Objects.requireNonNull(credential, "credential");
        this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
        this.deadlinePolicy = httpClient.deadlinePolicy();
        this.disableChallengeResourceVerification = options.disableChallengeResourceVerification();
        this.retryOptions = AzureKeyVault.retryOptions(options.retries());
        this.trafficPolicy = new VaultTrafficPolicy(traffic);
        this.clientOptions = new ClientOptions().setApplicationId(applicationId);
    }

    KeyClient key(URI vault) {
        return keyClients.computeIfAbsent(vault, url -> {
            KeyClientBuilder builder = alike(new KeyClientBuilder().vaultUrl(url.toString()));
            if (skipsChallengeVerification(url.getHost())) {
                builder.disableChallengeResourceVerification();
            }
            return builder.buildClient();
        });
    }

    SecretClient secret(URI vault) {
        return secretClients.computeIfAbsent(vault, url -> {
            SecretClientBuilder builder = alike(new SecretClientBuilder().vaultUrl(url.toString()));
            if (skipsChallengeVerification(url.getHost())) {
                builder.disableChallengeResourceVerification();
            }
            return builder.buildClient();
        });
    }

    CertificateClient certificate(URI vault) {
        return certificateClients.computeIfAbsent(vault, url -> {
            CertificateClientBuilder builder = alike(new CertificateClientBuilder().vaultUrl(url.toString()));
            if (skipsChallengeVerification(url.getHost())) {
                builder.disableChallengeResourceVerification();
            }
            return builder.buildClient();
        });
    }

    CryptographyClient cryptography(String keyId) {
        CryptographyClient client = cryptographyClients.get(keyId);
        if (client != null) {
            return client;
        }
        if (cryptographyClients.size() >= MAX_CRYPTOGRAPHY_CLIENTS) {
            cryptographyClients.clear();
        }
        return cryptographyClients.computeIfAbsent(keyId, id -> {
            CryptographyClientBuilder builder =
                    alike(new CryptographyClientBuilder().keyIdentifier(id)).disableKeyCaching();
            if (skipsChallengeVerification(URI.create(id).getHost())) {
                builder.disableChallengeResourceVerification();
            }
            return builder.buildClient();
        });
    }

    /**
     * The test-only switch applies to loopback hosts (the emulator) and nowhere else: a real vault host, or one a
     * tenant named, always has its challenge checked, so a host posing as a vault cannot phish a token.
     */
    private boolean skipsChallengeVerification(String host) {
        return disableChallengeResourceVerification && VaultHosts.isLoopback(host);
    }

    // The challenge-verification switch is on no shared trait, so each builder above sets it itself.
    private <B extends HttpTrait<B> & TokenCredentialTrait<B>> B alike(B builder) {
        return builder.credential(credential)
                .httpClient(httpClient)
                .retryOptions(retryOptions)
                .addPolicy(deadlinePolicy)
                .addPolicy(trafficPolicy)
                .clientOptions(clientOptions);
    }
}
