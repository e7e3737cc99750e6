package dev.azurekeyvaultissuer.cli;

import dev.azurekeyvaultissuer.config.OperatorConfig;
import dev.azurekeyvaultissuer.keyvault.VaultTraffic;
import dev.azurekeyvaultissuer.keyvault.azure.AzureClientOptions;
import dev.azurekeyvaultissuer.keyvault.azure.AzureVaultConnector;
import java.nio.file.Path;
import java.util.Optional;

/** Builds the Azure side of the operator from its configuration: client options, trust, rate limit. */
final class AzureWiring {

    private AzureWiring() {}

    static AzureVaultConnector connector(OperatorConfig config, VaultTraffic traffic) {
        AzureClientOptions options = clientOptions(
                        config.azureAuthorityHost(),
                        config.azureTrustStore(),
                        config.azureTrustStorePassword(),
                        config.azureDisableChallengeResourceVerification())
                .withTimeouts(AzureClientOptions.DEFAULT_CONNECT_TIMEOUT, config.vaultCallTimeout())
                .withMaxResponseBytes(config.vaultMaxResponseBytes());
        return new AzureVaultConnector(
                options,
                // The rate limit is applied per tenant by the controller's VaultGuard, not per connection.
                Optional.empty(),
                System.getenv(),
                traffic);
    }

    static AzureClientOptions clientOptions(
            Optional<java.net.URI> authorityHost,
            Optional<Path> trustStore,
            Optional<String> trustStorePassword,
            boolean disableChallengeResourceVerification) {
        AzureClientOptions options = AzureClientOptions.defaults();
        if (authorityHost.isPresent()) {
            options = options.withAuthorityHost(authorityHost.get());
        }
        if (trustStore.isPresent()) {
            options =
                    options.withSslContext(AzureClientOptions.trustStoreContext(trustStore.get(), trustStorePassword));
        }
        if (disableChallengeResourceVerification) {
            options = options.withChallengeResourceVerificationDisabled();
        }
        return options;
    }
}
