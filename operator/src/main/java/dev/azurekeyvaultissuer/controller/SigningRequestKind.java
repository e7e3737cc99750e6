package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.issuer.RequestDecision;
import dev.azurekeyvaultissuer.issuer.RequestSnapshot;
import dev.azurekeyvaultissuer.pki.LeafRequest;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Optional;

/**
 * The one place where a kind of signing request differs from the others: cert-manager's CertificateRequest or
 * Kubernetes' CertificateSigningRequest. How to read whose it is, its state and what it asks for, and how to write
 * its outcome. Everything else, the decisions, the PKI and the order of steps, is {@link SigningRequestProcessor}'s.
 */
interface SigningRequestKind<R extends HasMetadata> {

    /** Whether the request names one of our issuers. */
    boolean isOurs(R request);

    /** The issuer it names; only for requests that are ours. */
    IssuerId issuerOf(R request);

    /**
     * The certificate it was issued and the chain after it, as PEM, read from a request that holds one (revoking
     * needs it).
     *
     * @throws IllegalArgumentException when the stored certificate is not base64
     */
    String issuedCertificatePem(R request);

    /** Its state, in the decisions' terms. */
    RequestSnapshot snapshot(R request);

    /**
     * What it asks for.
     *
     * @throws dev.azurekeyvaultissuer.pki.CsrRejectedException when the request cannot be read: a permanent failure
     */
    LeafRequest leafRequest(R request);

    /** A reason this requester may not use this issuer at all (a permanent failure), checked before signing. */
    Optional<RequestDecision.Fail> refusal(R request, IssuerId issuer);

    /** Whether the request already shows this pending message, so that no write or Event repeats it. */
    boolean showsPending(R request, String message);

    void pending(R request, String message);

    void failed(R request, String reason, String message);

    /**
     * Writes the certificate if the request is still as it was read before signing (or not final after a fresh
     * read).
     *
     * @return whether it was written; false when the request became final meanwhile
     */
    boolean issued(R request, String certificatePem, String caPem);
}
