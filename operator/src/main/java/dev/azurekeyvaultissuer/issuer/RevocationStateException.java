package dev.azurekeyvaultissuer.issuer;

/** The revocation state in the vault cannot be used or stored; the message says what to fix. */
public final class RevocationStateException extends RuntimeException {

    public RevocationStateException(String message) {
        super(message);
    }
}
