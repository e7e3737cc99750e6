package dev.azurekeyvaultissuer.issuer;

/** The issuer's spec cannot work as written; the message says which field to fix. */
public class InvalidIssuerSpecException extends RuntimeException {

    public InvalidIssuerSpecException(String message) {
        super(message);
    }
}
