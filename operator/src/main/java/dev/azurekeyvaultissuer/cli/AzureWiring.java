package dev.azurekeyvaultissuer.cli;

import dev.azurekeyvaultissuer.config.OperatorConfig;
import dev.azurekeyvaultissuer.keyvault.VaultConnector;
import dev.azurekeyvaultissuer.keyvault.VaultRateLimiter;
import dev.azurekeyvaultissuer.keyvault.azure.AzureClientOptions;
import dev.azurekeyvaultissuer.keyvault.azure.AzureVaultConnector;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Builds the Azure side of the operator from its configuration: client options, trust, rate limit. */
final class AzureWiring {

    private AzureWiring() {
    }

    static VaultConnector connector(OperatorConfig config) {
        return new AzureVaultConnector(clientOptions(config.azureAuthorityHost(), config.azureTrustStore(),
                config.azureTrustStorePassword(), config.azureDisableChallengeResourceVerification()),
                Optional.of(new VaultRateLimiter(VaultRateLimiter.Limits.defaults()
                        .withPermitsPerWindow(config.vaultSignsPer10Seconds()))));
    }

    static AzureClientOptions clientOptions(Optional<java.net.URI> authorityHost, Optional<Path> trustStore,
            Optional<String> trustStorePassword, boolean disableChallengeResourceVerification) {
        AzureClientOptions options = AzureClientOptions.defaults();
        if (authorityHost.isPresent()) {
            options = options.withAuthorityHost(authorityHost.get());
        }
        if (trustStore.isPresent()) {
            options = options.withSslContext(sslContext(trustStore.get(), trustStorePassword.orElse("")));
        }
        if (disableChallengeResourceVerification) {
            options = options.withChallengeResourceVerificationDisabled();
        }
        return options;
    }

    /** TLS that trusts the given store (the emulator's certificate) instead of the JDK's CAs; still verifying. */
    static SSLContext sslContext(Path trustStore, String password) {
        try (InputStream in = Files.newInputStream(trustStore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password.toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot load trust store " + trustStore + ": " + e.getMessage(), e);
        }
    }
}
