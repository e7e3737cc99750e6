package dev.azurekeyvaultissuer.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.api.ApiGroup;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.certmanager.api.model.v1.CertificateRequestBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the request cache keeps of each kind of CertificateRequest, and that it never changes the informer's. */
class RequestCacheStoreTest {

    private static final String CSR = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K".repeat(30);
    private static final String CERT = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==".repeat(40);

    private static CertificateRequestBuilder request(
            String group, String readyReason, String certificate, String failureTime) {
        CertificateRequestBuilder b = new CertificateRequestBuilder()
                .withNewMetadata()
                .withNamespace("team-a")
                .withName("web-1")
                .withUid("uid-1")
                .withResourceVersion("42")
                .withGeneration(1L)
                .withCreationTimestamp("2026-03-01T00:00:00Z")
                .withAnnotations(Map.of(
                        "cert-manager.io/certificate-name",
                        "web",
                        "cert-manager.io/private-key-secret-name",
                        "web-tls"))
                .addNewManagedField()
                .withManager("cert-manager")
                .withOperation("Update")
                .endManagedField()
                .endMetadata()
                .withNewSpec()
                .withRequest(CSR)
                .withUsages(List.of("digital signature"))
                .withNewIssuerRef()
                .withGroup(group)
                .withKind("Issuer")
                .withName("ca")
                .endIssuerRef()
                .endSpec();
        b.withNewStatus()
                .addNewCondition()
                .withType("Approved")
                .withStatus("True")
                .withReason("ok")
                .endCondition()
                .endStatus();
        if (readyReason != null) {
            b.editStatus()
                    .addNewCondition()
                    .withType("Ready")
                    .withStatus("Issued".equals(readyReason) ? "True" : "False")
                    .withReason(readyReason)
                    .endCondition()
                    .withCertificate(certificate)
                    .withCa(certificate)
                    .withFailureTime(failureTime)
                    .endStatus();
        }
        return b;
    }

    private static String json(CertificateRequest r) {
        return new KubernetesSerialization().asJson(r);
    }

    @Test
    void anotherIssuersRequestKeepsOnlyItsNameNamespaceAndResourceVersion() {
        CertificateRequest foreign =
                request("cert-manager.io", "Issued", CERT, null).build();
        String before = json(foreign);
        RequestCacheStore store = new RequestCacheStore();

        assertNull(store.put(store.getKey(foreign), foreign));
        CertificateRequest kept = store.get("team-a/web-1");

        assertEquals("web-1", kept.getMetadata().getName());
        assertEquals("team-a", kept.getMetadata().getNamespace());
        assertEquals("42", kept.getMetadata().getResourceVersion(), "a relist must see it unchanged");
        assertNull(kept.getSpec());
        assertNull(kept.getStatus());
        assertTrue(kept.getMetadata().getAnnotations().isEmpty());
        assertTrue(kept.getMetadata().getManagedFields().isEmpty());
        assertFalse(CertificateRequests.isOurs(kept), "still not ours");
        assertTrue(json(kept).length() < 200, json(kept));
        assertEquals(before, json(foreign), "the informer's object goes on to the event handlers unchanged");
    }

    @Test
    void oursWhileNotFinalIsKeptWhole() {
        CertificateRequest pending =
                request(ApiGroup.NAME, "Pending", null, null).build();

        assertSame(pending, RequestCacheStore.slim(pending), "signing needs its CSR");
        CertificateRequest approved = request(ApiGroup.NAME, null, null, null).build();
        assertSame(approved, RequestCacheStore.slim(approved));
    }

    @Test
    void oursOnceIssuedDropsItsCsrAndCertificateAndStillReadsAsIssued() {
        CertificateRequest issued = request(ApiGroup.NAME, "Issued", CERT, null).build();
        String before = json(issued);

        CertificateRequest kept = RequestCacheStore.slim(issued);

        assertNull(kept.getSpec().getRequest());
        assertEquals(RequestCacheStore.CERTIFICATE_DROPPED, kept.getStatus().getCertificate());
        assertNull(kept.getStatus().getCa());
        assertTrue(kept.getMetadata().getAnnotations().isEmpty());
        assertEquals(CertificateRequests.snapshot(issued), CertificateRequests.snapshot(kept));
        assertEquals(CertificateRequests.issuerOf(issued), CertificateRequests.issuerOf(kept));
        assertEquals("uid-1", kept.getMetadata().getUid());
        assertEquals("42", kept.getMetadata().getResourceVersion());
        assertEquals(before, json(issued));
        assertTrue(json(kept).length() * 4 < json(issued).length(), json(kept));
    }

    @Test
    void oursOnceFailedOrDeniedKeepsWhatMakesItFinal() {
        CertificateRequest failed =
                request(ApiGroup.NAME, "Failed", null, "2026-03-01T00:00:01Z").build();
        CertificateRequest kept = RequestCacheStore.slim(failed);

        assertEquals("2026-03-01T00:00:01Z", kept.getStatus().getFailureTime());
        assertNull(kept.getStatus().getCertificate());
        assertEquals(CertificateRequests.snapshot(failed), CertificateRequests.snapshot(kept));
        assertTrue(CertificateRequests.snapshot(kept).isTerminal());
    }

    @Test
    void aCertificateWithoutAFinalConditionStillReadsAsFinal() {
        CertificateRequest odd = request(ApiGroup.NAME, "Pending", CERT, null).build();
        CertificateRequest kept = RequestCacheStore.slim(odd);

        assertTrue(CertificateRequests.snapshot(kept).isTerminal());
        assertEquals(CertificateRequests.snapshot(odd), CertificateRequests.snapshot(kept));
    }

    @Test
    void removeAndListingSeeWhatWasPut() {
        RequestCacheStore store = new RequestCacheStore();
        CertificateRequest foreign =
                request("cert-manager.io", null, null, null).build();
        CertificateRequest ours = request(ApiGroup.NAME, null, null, null).build();
        ours.getMetadata().setName("web-2");
        store.put(store.getKey(foreign), foreign);
        store.put(store.getKey(ours), ours);

        assertEquals(2, store.size());
        assertEquals(
                List.of("team-a/web-1", "team-a/web-2"), store.keySet().sorted().toList());
        assertEquals("web-1", store.remove("team-a/web-1").getMetadata().getName());
        assertEquals(1, store.values().count());
    }

    @Test
    void eventsOfFinalRequestsDoNotReachTheReconcilerButOthersDo() {
        var onAdd = FinalRequestsFilter.onAdd();
        var onUpdate = FinalRequestsFilter.onUpdate();
        CertificateRequest approved = request(ApiGroup.NAME, null, null, null).build();
        CertificateRequest pending =
                request(ApiGroup.NAME, "Pending", null, null).build();
        CertificateRequest issued = request(ApiGroup.NAME, "Issued", CERT, null).build();
        CertificateRequest failed =
                request(ApiGroup.NAME, "Failed", null, "2026-03-01T00:00:01Z").build();

        assertTrue(onAdd.accept(approved));
        assertTrue(onUpdate.accept(pending, approved));
        assertFalse(onAdd.accept(issued), "a final request found at start is not queued");
        assertFalse(onUpdate.accept(issued, pending), "our own Issued write does not come back");
        assertFalse(onUpdate.accept(failed, pending));
        assertFalse(onAdd.accept(RequestCacheStore.slim(issued)));
    }
}
