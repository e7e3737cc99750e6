package dev.azurekeyvaultissuer.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.api.ApiGroup;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.certmanager.api.model.v1.CertificateRequestBuilder;
import org.junit.jupiter.api.Test;

/** Which CertificateRequests are ours (docs/architecture.md, "How a request is signed"), and which issuer they name. */
class CertificateRequestsTest {

    private static CertificateRequest request(String group, String kind, String name) {
        return new CertificateRequestBuilder()
                .withNewMetadata()
                .withNamespace("team-a")
                .withName("app")
                .endMetadata()
                .withNewSpec()
                .withNewIssuerRef()
                .withGroup(group)
                .withKind(kind)
                .withName(name)
                .endIssuerRef()
                .endSpec()
                .build();
    }

    private static boolean ours(CertificateRequest request) {
        boolean ours = CertificateRequests.isOurs(request);
        assertEquals(ours, new OursOnlyFilter().accept(request), "the informer filter says the same");
        return ours;
    }

    @Test
    void issuerAndClusterIssuerOfOurGroupAreOurs() {
        assertTrue(ours(request(ApiGroup.NAME, "Issuer", "ca")));
        assertTrue(ours(request(ApiGroup.NAME, "ClusterIssuer", "ca")));
    }

    @Test
    void anEmptyKindMeansIssuerAsInCertManager() {
        CertificateRequest empty = request(ApiGroup.NAME, "", "ca");
        CertificateRequest absent = request(ApiGroup.NAME, null, "ca");

        assertTrue(ours(empty));
        assertTrue(ours(absent));
        assertEquals(
                IssuerId.issuer("team-a", "ca"),
                CertificateRequests.issuerOf(empty),
                "a namespaced Issuer in the request's namespace");
        assertEquals(IssuerId.issuer("team-a", "ca"), CertificateRequests.issuerOf(absent));
    }

    @Test
    void clusterIssuerRefsNameAClusterIssuer() {
        assertEquals(
                IssuerId.clusterIssuer("ca"),
                CertificateRequests.issuerOf(request(ApiGroup.NAME, "ClusterIssuer", "ca")));
    }

    @Test
    void anUnknownKindInOurGroupIsIgnored() {
        assertFalse(ours(request(ApiGroup.NAME, "VaultIssuer", "ca")));
        // Kinds are case-sensitive in cert-manager's issuerRef.
        assertFalse(ours(request(ApiGroup.NAME, "issuer", "ca")));
    }

    @Test
    void otherGroupsAreNotOurs() {
        assertFalse(ours(request("cert-manager.io", "Issuer", "ca")));
        assertFalse(ours(request("cert-manager.io", "ClusterIssuer", "ca")));
        // An empty group is cert-manager's own (cert-manager.io), never ours.
        assertFalse(ours(request("", "Issuer", "ca")));
        assertFalse(ours(request(null, "Issuer", "ca")));
    }

    @Test
    void aRequestWithoutIssuerRefOrNameIsNotOurs() {
        assertFalse(ours(request(ApiGroup.NAME, "Issuer", null)));
        assertFalse(ours(new CertificateRequestBuilder()
                .withNewMetadata()
                .withName("x")
                .endMetadata()
                .withNewSpec()
                .endSpec()
                .build()));
        assertFalse(ours(new CertificateRequestBuilder()
                .withNewMetadata()
                .withName("x")
                .endMetadata()
                .build()));
    }
}
