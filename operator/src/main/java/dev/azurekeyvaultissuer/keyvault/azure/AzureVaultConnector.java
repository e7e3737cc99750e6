package dev.azurekeyvaultissuer.keyvault.azure;

import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.RateLimitedKeyVault;
import dev.azurekeyvaultissuer.keyvault.VaultConnector;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultRateLimiter;
import dev.azurekeyvaultissuer.keyvault.VaultTraffic;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Opens Azure vault connections for the controller and the CLI, which never see an Azure type: give it credentials,
 * get a {@link KeyVault}. One instance per process: it owns the HTTP client (JDK {@code java.net.http}, so one
 * connection pool and one TLS trust for Entra ID and every vault) and the per-vault rate limiter that all
 * connections share, since Azure's limits are per vault whoever calls.
 *
 * <p>{@link #connect} makes no network call. It builds the credential (a malformed client certificate fails here,
 * as {@link VaultException.Kind#UNAUTHENTICATED}); tokens are requested on the first vault call and cached by the
 * credential. Keep the returned vault for as long as the credentials stay the same, e.g. per issuer generation.
 */
public final class AzureVaultConnector implements VaultConnector {

    private final AzureClientOptions options;
    private final Optional<VaultRateLimiter> rateLimiter;
    private final BoundedHttpClient httpClient;
    private final AzureCredentials credentials;
    private final VaultTraffic traffic;

    /** With the process environment for the ambient identity. */
    public AzureVaultConnector(AzureClientOptions options, Optional<VaultRateLimiter> rateLimiter) {
        this(options, rateLimiter, System.getenv());
    }

    /** With an explicit environment for the ambient identity: the variables azure-identity reads. */
    public AzureVaultConnector(
            AzureClientOptions options, Optional<VaultRateLimiter> rateLimiter, Map<String, String> environment) {
        this(options, rateLimiter, environment, VaultTraffic.IGNORED);
    }

    /** With an observer of every HTTP attempt to a vault, for metrics. */
    public AzureVaultConnector(
            AzureClientOptions options,
            Optional<VaultRateLimiter> rateLimiter,
            Map<String, String> environment,
            VaultTraffic traffic) {
        this.traffic = Objects.requireNonNull(traffic, "traffic");
        this.options = Objects.requireNonNull(options, "options");
        this.rateLimiter = Objects.requireNonNull(rateLimiter, "rateLimiter");
        this.httpClient = httpClient(options);
        this.credentials = new AzureCredentials(options, httpClient, environment);
    }

    @Override
    public KeyVault connect(VaultCredentials vaultCredentials) {
        // Unmasked: a token failure without an HTTP response must reach VaultErrors, not the SDK's mappers.
        AzureKeyVault vault = new AzureKeyVault(
                new UnmaskedCredential(credentials.create(vaultCredentials)),
                credentials.describe(vaultCredentials),
                httpClient,
                options,
                traffic);
        return rateLimiter
                .<KeyVault>map(limiter -> new RateLimitedKeyVault(vault, limiter))
                .orElse(vault);
    }

    /** Which identity {@link VaultCredentials.Ambient} resolves to here, for the startup log; never a secret. */
    public String describeAmbientIdentity() {
        return credentials.ambient().describe() + ", authority " + credentials.authorityHost();
    }

    /** How a set of credentials is named in logs and messages; never a secret. */
    public String describe(VaultCredentials vaultCredentials) {
        return credentials.describe(vaultCredentials);
    }

    public AzureClientOptions options() {
        return options;
    }

    /**
     * The HTTP client for these options, with a deadline per call and a response size cap (vault URLs are the
     * tenants'); package-private so the other Azure adapters build theirs alike.
     */
    static BoundedHttpClient httpClient(AzureClientOptions options) {
        java.net.http.HttpClient.Builder jdk =
                java.net.http.HttpClient.newBuilder().connectTimeout(options.connectTimeout());
        options.sslContext().ifPresent(jdk::sslContext);
        return new BoundedHttpClient(jdk.build(), options.responseTimeout(), options.maxResponseBytes());
    }
}
