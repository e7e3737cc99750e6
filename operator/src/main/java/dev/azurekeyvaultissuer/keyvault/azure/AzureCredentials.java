package dev.azurekeyvaultissuer.keyvault.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.util.Configuration;
import com.azure.identity.AadCredentialBuilderBase;
import com.azure.identity.AzureAuthorityHosts;
import com.azure.identity.ClientAssertionCredentialBuilder;
import com.azure.identity.ClientCertificateCredentialBuilder;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.identity.WorkloadIdentityCredentialBuilder;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds azure-identity credentials from the port's {@link VaultCredentials}. Every credential gets the same HTTP
 * client (and so the same TLS trust) as the vault clients, the configured authority host, and instance discovery off
 * for an authority that is not one of Azure's clouds. Explicit credentials are built with an empty SDK configuration,
 * so nothing of the operator's own environment leaks into a tenant's credential.
 */
final class AzureCredentials {

    private static final Set<String> CLOUD_AUTHORITY_HOSTS = Set.of(
            host(AzureAuthorityHosts.AZURE_PUBLIC_CLOUD),
            host(AzureAuthorityHosts.AZURE_CHINA),
            host(AzureAuthorityHosts.AZURE_GOVERNMENT),
            host(AzureAuthorityHosts.AZURE_GERMANY));

    private final AzureClientOptions options;
    private final HttpClient httpClient;
    private final Map<String, String> environment;
    private final String authorityHost;

    AzureCredentials(AzureClientOptions options, HttpClient httpClient, Map<String, String> environment) {
        this.options = Objects.requireNonNull(options, "options");
        this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
        this.environment = Map.copyOf(environment);
        this.authorityHost = options.authorityHost()
                .map(URI::toString)
                .or(() -> AmbientIdentity.value(environment, AmbientIdentity.AZURE_AUTHORITY_HOST))
                .orElse(AzureAuthorityHosts.AZURE_PUBLIC_CLOUD);
    }

    String authorityHost() {
        return authorityHost;
    }

    AmbientIdentity ambient() {
        return AmbientIdentity.fromEnvironment(environment);
    }

    /** Builds the credential; makes no network call. A malformed client certificate fails as UNAUTHENTICATED. */
    TokenCredential create(VaultCredentials credentials) {
        Objects.requireNonNull(credentials, "credentials");
        if (credentials instanceof VaultCredentials.Ambient) {
            return ambientCredential(ambient());
        }
        if (credentials instanceof VaultCredentials.ClientSecret secret) {
            return aad(new ClientSecretCredentialBuilder())
                    .tenantId(secret.tenantId())
                    .clientId(secret.clientId())
                    .clientSecret(secret.secret())
                    .build();
        }
        if (credentials instanceof VaultCredentials.ClientCertificate certificate) {
            byte[] pem;
            try {
                pem = ClientCertificatePem.normalize(certificate.pem());
            } catch (IllegalArgumentException e) {
                throw new VaultException(
                        VaultException.Kind.UNAUTHENTICATED,
                        "client certificate of application " + certificate.clientId() + " unusable: " + e.getMessage(),
                        e);
            }
            return aad(new ClientCertificateCredentialBuilder())
                    .tenantId(certificate.tenantId())
                    .clientId(certificate.clientId())
                    .pemCertificate(new ByteArrayInputStream(pem))
                    .build();
        }
        if (credentials instanceof VaultCredentials.ManagedIdentity managed) {
            return managedIdentity(managed.clientId());
        }
        if (credentials instanceof VaultCredentials.ClientAssertion assertion) {
            return aad(new ClientAssertionCredentialBuilder())
                    .tenantId(assertion.tenantId())
                    .clientId(assertion.clientId())
                    .clientAssertion(assertion.assertion())
                    .build();
        }
        throw new IllegalArgumentException("unknown credentials " + credentials);
    }

    /** Names the identity in messages and logs without any secret. */
    String describe(VaultCredentials credentials) {
        if (credentials instanceof VaultCredentials.Ambient) {
            return ambient().describe();
        }
        if (credentials instanceof VaultCredentials.ClientSecret s) {
            return "client secret of application " + s.clientId() + " in tenant " + s.tenantId();
        }
        if (credentials instanceof VaultCredentials.ClientCertificate c) {
            return "client certificate of application " + c.clientId() + " in tenant " + c.tenantId();
        }
        if (credentials instanceof VaultCredentials.ManagedIdentity m) {
            return m.clientId() == null || m.clientId().isBlank()
                    ? "system-assigned managed identity"
                    : "managed identity " + m.clientId();
        }
        if (credentials instanceof VaultCredentials.ClientAssertion a) {
            return "workload identity of application " + a.clientId() + " in tenant " + a.tenantId();
        }
        return String.valueOf(credentials);
    }

    private TokenCredential ambientCredential(AmbientIdentity identity) {
        Configuration env = environmentConfiguration();
        return switch (identity.kind()) {
            case WORKLOAD_IDENTITY ->
                aad(new WorkloadIdentityCredentialBuilder(), env)
                        .tenantId(identity.tenantId().orElseThrow())
                        .clientId(identity.clientId().orElseThrow())
                        .tokenFilePath(identity.file().orElseThrow())
                        .build();
            case CLIENT_SECRET ->
                aad(new ClientSecretCredentialBuilder(), env)
                        .tenantId(identity.tenantId().orElseThrow())
                        .clientId(identity.clientId().orElseThrow())
                        .clientSecret(environment
                                .get(AmbientIdentity.AZURE_CLIENT_SECRET)
                                .trim())
                        .build();
            case CLIENT_CERTIFICATE -> {
                String path = identity.file().orElseThrow();
                ClientCertificateCredentialBuilder builder = aad(new ClientCertificateCredentialBuilder(), env)
                        .tenantId(identity.tenantId().orElseThrow())
                        .clientId(identity.clientId().orElseThrow());
                String lower = path.toLowerCase(Locale.ROOT);
                if (lower.endsWith(".pfx") || lower.endsWith(".p12")) {
                    builder.pfxCertificate(path);
                    AmbientIdentity.value(environment, AmbientIdentity.AZURE_CLIENT_CERTIFICATE_PASSWORD)
                            .ifPresent(builder::clientCertificatePassword);
                } else {
                    builder.pemCertificate(path);
                }
                yield builder.build();
            }
            case MANAGED_IDENTITY -> managedIdentity(identity.clientId().orElse(null));
        };
    }

    private TokenCredential managedIdentity(String clientId) {
        // Managed identity endpoints (IMDS, App Service) are found by the SDK itself; no authority host applies.
        ManagedIdentityCredentialBuilder builder = new ManagedIdentityCredentialBuilder()
                .configuration(Configuration.NONE)
                .httpClient(httpClient);
        if (clientId != null && !clientId.isBlank()) {
            builder.clientId(clientId);
        }
        return builder.build();
    }

    private <T extends AadCredentialBuilderBase<T>> T aad(T builder) {
        return aad(builder, Configuration.NONE);
    }

    // configuration() reloads the authority host from that configuration, so it has to come first.
    private <T extends AadCredentialBuilderBase<T>> T aad(T builder, Configuration configuration) {
        builder.configuration(configuration).authorityHost(authorityHost).httpClient(httpClient);
        if (!CLOUD_AUTHORITY_HOSTS.contains(host(authorityHost))) {
            // Instance discovery asks the public cloud about the authority: useless, and failing, for a private one.
            builder.disableInstanceDiscovery();
        }
        return builder;
    }

    private Configuration environmentConfiguration() {
        return new com.azure.core.util.ConfigurationBuilder(
                        source -> Map.of(), source -> Map.of(), source -> environment)
                .build();
    }

    private static String host(String url) {
        String host = URI.create(url.trim()).getHost();
        return host == null ? url : host.toLowerCase(Locale.ROOT);
    }

    AzureClientOptions options() {
        return options;
    }
}
