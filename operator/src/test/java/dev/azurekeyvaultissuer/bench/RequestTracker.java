package dev.azurekeyvaultissuer.bench;

import dev.azurekeyvaultissuer.api.ApiGroup;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.certmanager.api.model.v1.CertificateRequestBuilder;
import io.fabric8.certmanager.api.model.v1.CertificateRequestCondition;
import io.fabric8.certmanager.api.model.v1.CertificateRequestConditionBuilder;
import io.fabric8.certmanager.api.model.v1.CertificateRequestStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Creates and approves CertificateRequests the way cert-manager and its approver do (create, then a status update
 * adding Approved), and watches them all with one informer, as cert-manager does, to time each from the moment
 * before its creation to the moment its Ready=True condition is seen.
 */
final class RequestTracker implements AutoCloseable {

    /** One request to make: where, for which issuer, with which CSR; {@code label} groups the latency figures. */
    record Target(String namespace, String name, String issuerKind, String issuerName, String label, String csrPem) {
        String key() {
            return namespace + "/" + name;
        }
    }

    private final KubernetesClient admin;
    private final SharedIndexInformer<CertificateRequest> informer;
    private final ConcurrentMap<String, Long> created = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Long> ready = new ConcurrentHashMap<>();
    private final Set<String> pendingSeen = ConcurrentHashMap.newKeySet();
    private final Set<String> failed = ConcurrentHashMap.newKeySet();
    private final ConcurrentMap<String, String> certificates = new ConcurrentHashMap<>();
    private final Set<String> overwritten = ConcurrentHashMap.newKeySet();
    private final ExecutorService submitters;

    RequestTracker(KubernetesClient admin, int submitThreads) {
        this.admin = admin;
        this.submitters = Executors.newFixedThreadPool(submitThreads);
        this.informer = admin.resources(CertificateRequest.class)
                .inAnyNamespace()
                .inform(
                        new ResourceEventHandler<>() {
                            @Override
                            public void onAdd(CertificateRequest cr) {
                                observe(cr);
                            }

                            @Override
                            public void onUpdate(CertificateRequest oldCr, CertificateRequest cr) {
                                observe(cr);
                            }

                            @Override
                            public void onDelete(CertificateRequest cr, boolean unknownFinalState) {}
                        },
                        0);
    }

    private void observe(CertificateRequest cr) {
        long now = System.nanoTime();
        if (cr.getStatus() == null || cr.getStatus().getConditions() == null) {
            return;
        }
        String key = cr.getMetadata().getNamespace() + "/" + cr.getMetadata().getName();
        String certificate = cr.getStatus().getCertificate();
        if (certificate != null && !certificate.isEmpty()) {
            String first = certificates.putIfAbsent(key, certificate);
            if (first != null && !first.equals(certificate)) {
                overwritten.add(key);
            }
        }
        for (CertificateRequestCondition c : cr.getStatus().getConditions()) {
            if (!"Ready".equals(c.getType())) {
                continue;
            }
            if ("True".equals(c.getStatus())) {
                ready.putIfAbsent(key, now);
            } else if ("Pending".equals(c.getReason())) {
                pendingSeen.add(key);
            } else if ("Failed".equals(c.getReason()) || "Denied".equals(c.getReason())) {
                failed.add(key);
            }
        }
    }

    /** Creates and approves one request; records the time just before the create call. */
    void createApproved(Target t) {
        CertificateRequest request = new CertificateRequestBuilder()
                .withNewMetadata()
                .withName(t.name())
                .withNamespace(t.namespace())
                .endMetadata()
                .withNewSpec()
                .withRequest(Base64.getEncoder().encodeToString(t.csrPem().getBytes(StandardCharsets.US_ASCII)))
                .withNewIssuerRef()
                .withGroup(ApiGroup.NAME)
                .withKind(t.issuerKind())
                .withName(t.issuerName())
                .endIssuerRef()
                .withUsages("digital signature", "key encipherment")
                .endSpec()
                .build();
        created.put(t.key(), System.nanoTime());
        CertificateRequest stored = admin.resource(request).create();
        List<CertificateRequestCondition> conditions = new ArrayList<>();
        conditions.add(new CertificateRequestConditionBuilder()
                .withType("Approved")
                .withStatus("True")
                .withReason("cert-manager.io")
                .withMessage("Certificate request has been approved by cert-manager.io")
                .build());
        stored.setStatus(new CertificateRequestStatus());
        stored.getStatus().setConditions(conditions);
        admin.resource(stored).updateStatus();
    }

    /**
     * A request of another issuer (cert-manager's own CA issuer), as such requests sit in a cluster: with
     * cert-manager's annotations, approved and issued, holding its certificate and CA. Not tracked.
     */
    void createForeignIssued(String namespace, String name, String csrPem, String certificateBase64) {
        CertificateRequest request = new CertificateRequestBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .addToAnnotations("cert-manager.io/certificate-name", name)
                .addToAnnotations("cert-manager.io/certificate-revision", "1")
                .addToAnnotations("cert-manager.io/private-key-secret-name", name + "-tls")
                .addToLabels("app.kubernetes.io/name", "shop")
                .endMetadata()
                .withNewSpec()
                .withRequest(Base64.getEncoder().encodeToString(csrPem.getBytes(StandardCharsets.US_ASCII)))
                .withNewIssuerRef()
                .withGroup("cert-manager.io")
                .withKind("Issuer")
                .withName("other-ca")
                .endIssuerRef()
                .withUsages("digital signature", "key encipherment")
                .endSpec()
                .build();
        CertificateRequest stored = admin.resource(request).create();
        stored.setStatus(new CertificateRequestStatus());
        stored.getStatus()
                .setConditions(List.of(
                        new CertificateRequestConditionBuilder()
                                .withType("Approved")
                                .withStatus("True")
                                .withReason("cert-manager.io")
                                .withMessage("Certificate request has been approved by " + "cert-manager.io")
                                .build(),
                        new CertificateRequestConditionBuilder()
                                .withType("Ready")
                                .withStatus("True")
                                .withReason("Issued")
                                .withMessage("Certificate fetched from issuer successfully")
                                .build()));
        stored.getStatus().setCertificate(certificateBase64);
        stored.getStatus().setCa(certificateBase64);
        admin.resource(stored).updateStatus();
    }

    /** Runs the task once per index, as many at once as there are submit threads. */
    void inParallel(int count, java.util.function.IntConsumer task) throws InterruptedException {
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int n = i;
            futures.add(submitters.submit(() -> task.accept(n)));
        }
        awaitAll(futures);
    }

    /** Submits every target at once (as many in flight as there are submit threads). */
    void submitBurst(List<Target> targets) throws InterruptedException {
        List<Future<?>> futures = new ArrayList<>();
        for (Target t : targets) {
            futures.add(submitters.submit(() -> createApproved(t)));
        }
        awaitAll(futures);
    }

    /** Submits the targets at a fixed rate (open loop: arrivals do not wait for earlier requests to be issued). */
    void submitAtRate(List<Target> targets, double perSecond) throws InterruptedException {
        List<Future<?>> futures = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < targets.size(); i++) {
            long due = start + (long) (i * 1e9 / perSecond);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            Target t = targets.get(i);
            futures.add(submitters.submit(() -> createApproved(t)));
        }
        awaitAll(futures);
    }

    /** Submits the targets one at a time, each after the previous one is Ready (closed loop, no queueing). */
    void submitOneByOne(List<Target> targets, long timeoutNanos) throws InterruptedException {
        for (Target t : targets) {
            createApproved(t);
            awaitDone(List.of(t), timeoutNanos);
        }
    }

    private static void awaitAll(List<Future<?>> futures) throws InterruptedException {
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("creating a CertificateRequest failed: " + e.getCause(), e.getCause());
            }
        }
    }

    /** Waits until every target is Ready (or Failed) or the timeout passes; returns how many are still open. */
    int awaitDone(List<Target> targets, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            int open = 0;
            for (Target t : targets) {
                if (!ready.containsKey(t.key()) && !failed.contains(t.key())) {
                    open++;
                }
            }
            if (open == 0 || System.nanoTime() > deadline) {
                return open;
            }
            Thread.sleep(targets.size() == 1 ? 2 : 50);
        }
    }

    Long createdAt(Target t) {
        return created.get(t.key());
    }

    Long readyAt(Target t) {
        return ready.get(t.key());
    }

    boolean wasPending(Target t) {
        return pendingSeen.contains(t.key());
    }

    /** Whether the watch saw the request's certificate replaced by another one: issued twice. */
    boolean wasIssuedTwice(Target t) {
        return overwritten.contains(t.key());
    }

    boolean hasFailed(Target t) {
        return failed.contains(t.key());
    }

    @Override
    public void close() {
        submitters.shutdownNow();
        informer.close();
    }
}
