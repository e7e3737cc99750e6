package dev.azurekeyvaultissuer.controller;

import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.javaoperatorsdk.operator.processing.event.source.filter.GenericFilter;

/** Only CertificateRequests whose issuerRef names our group reach the reconciler (or its cache's events). */
public class OursOnlyFilter implements GenericFilter<CertificateRequest> {

    @Override
    public boolean accept(CertificateRequest request) {
        return CertificateRequests.isOurs(request);
    }
}
