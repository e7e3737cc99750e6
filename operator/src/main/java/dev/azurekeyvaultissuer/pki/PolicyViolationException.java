package dev.azurekeyvaultissuer.pki;

/**
 * The request breaks the issuer's policy ({@code spec.policy}); the message names the policy field. Permanent:
 * retrying cannot change the answer, only a new request or a changed policy can.
 */
public class PolicyViolationException extends CsrRejectedException {

    private static final long serialVersionUID = 1L;

    public PolicyViolationException(String message) {
        super(message);
    }
}
