package dev.azurekeyvaultissuer.pki;

/**
 * The vault returned a signature that does not verify with the CA's public key. Nothing signed is handed out when
 * this happens. Causes: the vault signed with another key version than the one whose public key we hold, a key
 * rotated underneath us, or a faulty vault or proxy. Refreshing the issuer's view of the key usually fixes it.
 */
public class SignatureMismatchException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public SignatureMismatchException(String message) {
        super(message);
    }

    public SignatureMismatchException(String message, Throwable cause) {
        super(message, cause);
    }
}
