package dev.azurekeyvaultissuer.issuer;

/** Whether the issuer a request names can sign now. */
public sealed interface IssuerAvailability {

    record Missing(String description) implements IssuerAvailability {
    }

    record NotReady(String description, String why) implements IssuerAvailability {
    }

    record Ready(IssuerSigner signer) implements IssuerAvailability {
    }
}
