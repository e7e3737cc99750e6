package dev.azurekeyvaultissuer.pki;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;

/**
 * Decides whether a request may revoke the certificate it names. Whoever may edit a CertificateRequest's metadata may
 * ask to revoke, and a request's status is writable by more than this operator, so a tenant could copy another team's
 * (public) certificate into a request of theirs. The certificate is therefore revoked only when it was issued by this
 * CA (its signature verifies with the CA key) to the key of the request's CSR, whose own signature proves that the
 * requester held that key: the holder of a certificate's private key may always revoke it.
 */
public final class RevocationProof {

    private RevocationProof() {}

    /**
     * @param csrPem the request's CSR (PEM)
     * @param certificatePem the certificate issued for it, first in the PEM (the chain may follow)
     * @return the serial number to revoke
     * @throws IllegalArgumentException saying why the certificate cannot be revoked through this request
     */
    public static BigInteger serialToRevoke(String csrPem, String certificatePem, CertificateAuthority ca) {
        VerifiedCsr csr;
        try {
            csr = VerifiedCsr.parse(csrPem);
        } catch (CsrRejectedException e) {
            throw new IllegalArgumentException("the request's CSR is not usable: " + e.getMessage());
        }
        List<X509Certificate> certificates;
        try {
            certificates = Pem.decodeCertificates(certificatePem, CertificateAuthority.MAX_PEM_CHARS);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("status.certificate is not PEM certificates: " + e.getMessage());
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("status.certificate holds no certificate");
        }
        X509Certificate leaf = certificates.get(0);
        if (!ca.issued(leaf)) {
            throw new IllegalArgumentException(
                    "the certificate in status.certificate was not issued by this issuer's CA "
                            + CertificateAuthority.name(ca.certificate()));
        }
        if (!Arrays.equals(leaf.getPublicKey().getEncoded(), csr.publicKey().getEncoded())) {
            throw new IllegalArgumentException(
                    "the certificate in status.certificate is not for the key of the request's CSR");
        }
        return leaf.getSerialNumber();
    }
}
