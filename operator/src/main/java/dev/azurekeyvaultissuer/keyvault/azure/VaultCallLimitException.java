package dev.azurekeyvaultissuer.keyvault.azure;

import dev.azurekeyvaultissuer.keyvault.VaultException;

/**
 * A vault or token call cut off by the operator's own limits: its deadline passed, or its response grew past the size
 * cap. Not an IOException on purpose: the SDK's retry policy must not try again what the limits just stopped.
 */
final class VaultCallLimitException extends RuntimeException {

    private final VaultException.Kind kind;

    private VaultCallLimitException(VaultException.Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    static VaultCallLimitException deadline(String host, java.time.Duration timeout) {
        return new VaultCallLimitException(
                VaultException.Kind.UNAVAILABLE,
                host + " did not answer completely within "
                        + (timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + "s" : timeout.toMillis() + "ms")
                        + " (--vault-call-timeout)");
    }

    static VaultCallLimitException tooLarge(String host, long maxBytes) {
        return new VaultCallLimitException(
                VaultException.Kind.INVALID,
                host + " answered with more than " + maxBytes
                        + " bytes (--vault-max-response-bytes); no Key Vault answer is that large");
    }

    VaultException.Kind kind() {
        return kind;
    }

    /** The first such limit in a cause chain, as SDK wrappers may hide it. */
    static VaultCallLimitException in(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof VaultCallLimitException limit) {
                return limit;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}
