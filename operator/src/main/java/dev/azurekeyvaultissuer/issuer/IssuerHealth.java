package dev.azurekeyvaultissuer.issuer;

/** The outcome of checking an issuer: a signer ready to use, or the reason it cannot sign. */
public sealed interface IssuerHealth {

    record Ready(IssuerSigner signer) implements IssuerHealth {}

    /**
     * Every NotReady issuer is checked again within seconds, whatever the cause: the operator watches neither the
     * vault nor Secrets, so a cause fixed there (a key enabled, a grant added) is seen only on the next check.
     */
    record NotReady(String reason, String message) implements IssuerHealth {}
}
