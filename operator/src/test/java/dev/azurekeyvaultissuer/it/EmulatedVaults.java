package dev.azurekeyvaultissuer.it;

import dev.azurekeyvaultissuer.config.OperatorConfig;
import dev.azurekeyvaultissuer.emulator.KeyType;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulator;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.keyvault.azure.AzureClientOptions;
import dev.azurekeyvaultissuer.pki.CaCertificateFactory;
import dev.azurekeyvaultissuer.pki.Pem;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

/** The Key Vault emulator as the integration tests' operators see it, and CAs bootstrapped in it. */
final class EmulatedVaults {

    private EmulatedVaults() {}

    /**
     * The operator's defaults plus the emulator's host: its vaults listen on 127.0.0.1, which is not an Azure vault
     * host, so an administrator would allow it with --allowed-vault-hosts as this does.
     */
    static OperatorConfig operatorConfig(String clusterResourceNamespace) {
        return OperatorConfig.defaults(clusterResourceNamespace).withAllowedVaultHosts(List.of("127.0.0.1"));
    }

    /** The emulator's authority and TLS trust, the challenge check off (a vault on 127.0.0.1), one quick retry. */
    static AzureClientOptions operatorOptions(KeyVaultEmulator emulator) {
        return AzureClientOptions.defaults()
                .withAuthorityHost(URI.create(emulator.authorityHost()))
                .withSslContext(emulator.sslContext())
                .withChallengeResourceVerificationDisabled()
                .withRetries(new AzureClientOptions.Retries(1, Duration.ofMillis(50), Duration.ofMillis(200)));
    }

    /**
     * What hack/create-ca-cert does for a root: a new version of a vault key and a self-signed root made with it,
     * stored as a new version of the secret named like the key.
     */
    static VaultKey bootstrapRoot(
            KeyVaultEmulator emulator, KeyVault bootstrap, String vault, String name, KeyType type, String subject) {
        return bootstrapRoot(emulator, bootstrap, vault, name, type, subject, Duration.ofDays(365));
    }

    /** The same, with a root valid for {@code validity}: leaves are clamped to it. */
    static VaultKey bootstrapRoot(
            KeyVaultEmulator emulator,
            KeyVault bootstrap,
            String vault,
            String name,
            KeyType type,
            String subject,
            Duration validity) {
        emulator.createKey(vault, name, type);
        VaultKey key = bootstrap.getKey(KeyReference.of(emulator.vaultUrl(vault), name, null));
        X509Certificate root = new CaCertificateFactory(bootstrap, Clock.systemUTC())
                .selfSignedRoot(
                        subject, validity, OptionalInt.empty(), key, SignatureAlgorithm.defaultFor(key.publicKey()));
        emulator.setSecret(vault, name, Pem.encode(root), "application/x-pem-file");
        return key;
    }
}
