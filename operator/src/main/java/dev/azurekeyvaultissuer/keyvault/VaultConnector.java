package dev.azurekeyvaultissuer.keyvault;

/**
 * Opens a {@link KeyVault} for a set of credentials. Opening is cheap and makes no call; the returned vault caches
 * its clients, so callers keep it for as long as the credentials stay the same.
 */
@FunctionalInterface
public interface VaultConnector {

    KeyVault connect(VaultCredentials credentials);
}
