package dev.azurekeyvaultissuer.pki;

/**
 * A certificate request that retrying cannot fix: the CSR is unparsable, its signature does not verify, its key or
 * extensions are not acceptable, or it contradicts the CertificateRequest's spec. The message is written for the
 * user who created the request; it never echoes the CSR.
 */
public class CsrRejectedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CsrRejectedException(String message) {
        super(message);
    }
}
