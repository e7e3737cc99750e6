package dev.azurekeyvaultissuer.keyvault;

import java.util.OptionalInt;

/**
 * Told of every HTTP attempt an adapter makes to a vault, retries included, so the operator can export what Azure
 * sees of it: requests, throttled responses and retries per vault. Called on the calling thread: implementations
 * must be quick, thread-safe and never throw.
 */
@FunctionalInterface
public interface VaultTraffic {

    /** Observes nothing. */
    VaultTraffic IGNORED = (vaultHost, status, attempt) -> {};

    /**
     * One attempt ended.
     *
     * @param vaultHost the vault's host name, e.g. {@code contoso.vault.azure.net}
     * @param status the HTTP status of the response, or empty when none came (connection reset, timeout)
     * @param attempt 1 for the first attempt of a call, above 1 for its retries
     */
    void attempted(String vaultHost, OptionalInt status, int attempt);
}
