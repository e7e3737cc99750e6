package dev.azurekeyvaultissuer.issuer;

/** The outcome of checking an issuer: a signer ready to use, or the reason it cannot sign. */
public sealed interface IssuerHealth {

    record Ready(IssuerSigner signer) implements IssuerHealth {
    }

    /**
     * @param retrySoon true when the cause may pass by itself (throttling, an unreachable vault): check again
     *     sooner than the resync interval
     */
    record NotReady(String reason, String message, boolean retrySoon) implements IssuerHealth {
    }
}
