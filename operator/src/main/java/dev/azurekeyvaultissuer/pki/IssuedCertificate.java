package dev.azurekeyvaultissuer.pki;

import java.security.cert.X509Certificate;

/**
 * A signed leaf and what goes into the CertificateRequest's status.
 *
 * @param leaf the new certificate
 * @param certificatePem {@code status.certificate}: the leaf, then {@link CertificateAuthority#intermediates()}
 * @param caPem {@code status.ca}: {@link CertificateAuthority#root()}
 */
public record IssuedCertificate(X509Certificate leaf, String certificatePem, String caPem) {}
