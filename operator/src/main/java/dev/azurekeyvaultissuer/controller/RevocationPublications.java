package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.pki.CertificateAuthority;
import dev.azurekeyvaultissuer.pki.CertificateRevocationList;
import dev.azurekeyvaultissuer.pki.OcspResponder;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * What each issuer publishes about revocation, by the path the revocation server serves it at: its CRL and, from
 * the same state, its OCSP responder. Filled by the issuer checks (the list the vault holds, signed again when due)
 * and by revocations; read by the revocation server. Answering never calls the vault.
 */
public final class RevocationPublications {

    /** An issuer's OCSP responder: the CA it answers for, its delegate, and whose CRL it answers from. */
    record Responder(IssuerId issuer, CertificateAuthority ca, OcspResponder.Delegate delegate) {}

    private final ConcurrentMap<String, CertificateRevocationList> crls = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Responder> responders = new ConcurrentHashMap<>();

    /**
     * The stable path of an issuer's CRL: {@code /crl/issuers/<namespace>/<name>.crl} or
     * {@code /crl/clusterissuers/<name>.crl}. Kubernetes names hold no slash, so paths never collide.
     */
    public static String pathOf(IssuerId issuer) {
        return issuer.isClusterIssuer()
                ? "/crl/clusterissuers/" + issuer.name() + ".crl"
                : "/crl/issuers/" + issuer.namespace() + "/" + issuer.name() + ".crl";
    }

    /** The issuer's OCSP responder URL path: {@code /ocsp/issuers/<namespace>/<name>} or {@code /ocsp/clusterissuers/<name>}. */
    public static String ocspPathOf(IssuerId issuer) {
        return issuer.isClusterIssuer()
                ? "/ocsp/clusterissuers/" + issuer.name()
                : "/ocsp/issuers/" + issuer.namespace() + "/" + issuer.name();
    }

    /** Publishes a CRL unless a newer one (a higher CRL number) is already published for the issuer. */
    public void publish(IssuerId issuer, CertificateRevocationList crl) {
        crls.merge(pathOf(issuer), crl, (old, now) -> now.number().compareTo(old.number()) >= 0 ? now : old);
    }

    /** Publishes the issuer's OCSP responder, which answers from the issuer's published CRL. */
    public void publishResponder(IssuerId issuer, CertificateAuthority ca, OcspResponder.Delegate delegate) {
        responders.put(ocspPathOf(issuer), new Responder(issuer, ca, delegate));
    }

    public Optional<CertificateRevocationList> byPath(String path) {
        return Optional.ofNullable(crls.get(path));
    }

    Optional<CertificateRevocationList> of(IssuerId issuer) {
        return byPath(pathOf(issuer));
    }

    Optional<Responder> responder(IssuerId issuer) {
        return Optional.ofNullable(responders.get(ocspPathOf(issuer)));
    }

    /** Whether an OCSP responder is published at this path. */
    public boolean answersOcspAt(String path) {
        return responders.containsKey(path);
    }

    /**
     * The OCSP response of the responder at {@code path} to a DER request, with the CRL it answered from; empty when
     * no responder (or no CRL yet) is published there.
     */
    public Optional<OcspAnswer> ocsp(String path, byte[] request, Instant now) {
        Responder responder = responders.get(path);
        if (responder == null) {
            return Optional.empty();
        }
        return of(responder.issuer())
                .map(crl -> new OcspAnswer(
                        OcspResponder.respond(request, responder.ca(), responder.delegate(), crl, now), crl));
    }

    /** An OCSP response and the CRL its statuses come from (for caching headers). */
    public record OcspAnswer(byte[] response, CertificateRevocationList crl) {}

    void forget(IssuerId issuer) {
        crls.remove(pathOf(issuer));
        responders.remove(ocspPathOf(issuer));
    }
}
