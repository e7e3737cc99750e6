package dev.azurekeyvaultissuer.pki;

/**
 * The certificate asked for would break a constraint of the issuer's CA chain (name constraints, path length,
 * extended key usage), so clients would reject it. Permanent: the request, not the moment, is wrong.
 */
public class ChainConstraintException extends CsrRejectedException {

    private static final long serialVersionUID = 1L;

    public ChainConstraintException(String message) {
        super(message);
    }
}
