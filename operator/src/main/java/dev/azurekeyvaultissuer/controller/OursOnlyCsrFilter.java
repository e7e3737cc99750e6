package dev.azurekeyvaultissuer.controller;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.javaoperatorsdk.operator.processing.event.source.filter.GenericFilter;

/**
 * Only CertificateSigningRequests for our signer names reach the reconciler. CSRs are cluster-scoped and a field
 * selector can match one signer name only, so the filter is here.
 */
public class OursOnlyCsrFilter implements GenericFilter<CertificateSigningRequest> {

    @Override
    public boolean accept(CertificateSigningRequest csr) {
        return CertificateSigningRequests.isOurs(csr);
    }
}
