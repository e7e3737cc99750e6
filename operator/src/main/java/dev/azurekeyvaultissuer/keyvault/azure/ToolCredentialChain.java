package dev.azurekeyvaultissuer.keyvault.azure;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.identity.AzureCliCredentialBuilder;
import com.azure.identity.ChainedTokenCredentialBuilder;
import com.azure.identity.CredentialUnavailableException;
import dev.azurekeyvaultissuer.keyvault.ToolCredentials;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import reactor.core.publisher.Mono;

/**
 * The identity of a command-line tool, chosen as cosign's Azure KMS support chooses it: the environment (workload
 * identity, client secret, client certificate), managed identity, then the Azure CLI's sign-in. The environment and
 * managed identity credentials are the operator's own ({@link AzureCredentials} with {@link AmbientIdentity}), so
 * the tool and the operator read the same variables the same way.
 */
final class ToolCredentialChain {

    /*
     * Off Azure the instance metadata endpoint does not answer, and a managed identity credential outside
     * DefaultAzureCredential waits for it with retries. In the automatic chain it gets this long before the Azure CLI
     * is tried instead.
     */
    static final Duration MANAGED_IDENTITY_PROBE = Duration.ofSeconds(5);
    private static final Duration CLI_TIMEOUT = Duration.ofSeconds(30);

    private final AzureCredentials credentials;
    private final Map<String, String> environment;

    ToolCredentialChain(AzureCredentials credentials, Map<String, String> environment) {
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.environment = Map.copyOf(environment);
    }

    TokenCredential create(ToolCredentials method) {
        return switch (Objects.requireNonNull(method, "method")) {
            case ENVIRONMENT -> credentials.create(new VaultCredentials.Ambient());
            case MANAGED_IDENTITY -> managedIdentity();
            case CLI -> azureCli();
            case AUTO -> {
                AmbientIdentity ambient = credentials.ambient();
                TokenCredential first = ambient.kind() == AmbientIdentity.Kind.MANAGED_IDENTITY
                        ? new BoundedProbe(managedIdentity(), MANAGED_IDENTITY_PROBE)
                        : credentials.create(new VaultCredentials.Ambient());
                yield new ChainedTokenCredentialBuilder()
                        .addLast(first)
                        .addLast(azureCli())
                        .build();
            }
        };
    }

    /** Which identity, for messages; never a secret. */
    String describe(ToolCredentials method) {
        AmbientIdentity ambient = credentials.ambient();
        return switch (method) {
            case ENVIRONMENT -> describe(ambient);
            case MANAGED_IDENTITY -> managedIdentityDescription();
            case CLI -> "the Azure CLI's signed-in account (az login)";
            case AUTO ->
                (ambient.kind() == AmbientIdentity.Kind.MANAGED_IDENTITY
                                ? managedIdentityDescription()
                                : describe(ambient))
                        + ", else the Azure CLI's signed-in account";
        };
    }

    private String describe(AmbientIdentity ambient) {
        return switch (ambient.kind()) {
            case WORKLOAD_IDENTITY ->
                "workload identity (client " + ambient.clientId().orElseThrow() + ", tenant "
                        + ambient.tenantId().orElseThrow() + ", token file "
                        + ambient.file().orElseThrow() + ")";
            case CLIENT_SECRET ->
                "the client secret in AZURE_CLIENT_SECRET (client "
                        + ambient.clientId().orElseThrow() + ", tenant "
                        + ambient.tenantId().orElseThrow() + ")";
            case CLIENT_CERTIFICATE ->
                "the client certificate in AZURE_CLIENT_CERTIFICATE_PATH (client "
                        + ambient.clientId().orElseThrow() + ", tenant "
                        + ambient.tenantId().orElseThrow() + ")";
            case MANAGED_IDENTITY -> managedIdentityDescription();
        };
    }

    private String managedIdentityDescription() {
        return AmbientIdentity.value(environment, AmbientIdentity.AZURE_CLIENT_ID)
                .map(id -> "the user-assigned managed identity " + id)
                .orElse("the system-assigned managed identity");
    }

    private TokenCredential managedIdentity() {
        return credentials.create(
                new VaultCredentials.ManagedIdentity(AmbientIdentity.value(environment, AmbientIdentity.AZURE_CLIENT_ID)
                        .orElse(null)));
    }

    private TokenCredential azureCli() {
        // The vault's challenge names its tenant; the CLI may ask for a token there whatever its default tenant.
        return new AzureCliCredentialBuilder()
                .processTimeout(CLI_TIMEOUT)
                .additionallyAllowedTenants("*")
                .build();
    }

    /**
     * Lets a chain move on from a credential that fails or takes too long: any failure, timeouts included, becomes
     * the {@link CredentialUnavailableException} that tells a {@code ChainedTokenCredential} to try the next one.
     */
    static final class BoundedProbe implements TokenCredential {

        private final TokenCredential delegate;
        private final Duration timeout;

        BoundedProbe(TokenCredential delegate, Duration timeout) {
            this.delegate = delegate;
            this.timeout = timeout;
        }

        @Override
        public Mono<AccessToken> getToken(TokenRequestContext request) {
            return Mono.fromCallable(() -> getTokenSync(request));
        }

        @Override
        public AccessToken getTokenSync(TokenRequestContext request) {
            ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
                Thread thread = new Thread(r, "managed-identity-probe");
                thread.setDaemon(true);
                return thread;
            });
            try {
                Future<AccessToken> token = executor.submit(() -> delegate.getTokenSync(request));
                return token.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new CredentialUnavailableException(
                        "managed identity did not answer within " + timeout.toSeconds() + "s (not running on Azure?)",
                        e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                throw new CredentialUnavailableException("managed identity unavailable: " + reason(cause), cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CredentialUnavailableException("interrupted while asking for a managed identity token", e);
            } finally {
                executor.shutdownNow();
            }
        }

        // azure-identity's "see inner exception" says nothing by itself: the first cause that does say something.
        private static String reason(Throwable failure) {
            for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
                String m = t.getMessage();
                if (m != null && !m.isBlank() && !m.contains("inner exception")) {
                    return m;
                }
            }
            return failure.getClass().getSimpleName();
        }
    }
}
