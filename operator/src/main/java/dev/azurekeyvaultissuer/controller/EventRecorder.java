package dev.azurekeyvaultissuer.controller;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emits core/v1 Events on our resources and on CertificateRequests, as {@code kubectl describe} shows them. An
 * Event that cannot be written is logged and dropped: it must never fail a reconciliation.
 */
final class EventRecorder {

    static final String COMPONENT = "azure-keyvault-issuer";
    private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
    private static final int MAX_MESSAGE = 1024;

    private final KubernetesClient client;
    private final Clock clock;

    EventRecorder(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    void normal(HasMetadata object, String reason, String message) {
        record(object, "Normal", reason, message);
    }

    void warning(HasMetadata object, String reason, String message) {
        record(object, "Warning", reason, message);
    }

    private void record(HasMetadata object, String type, String reason, String message) {
        String namespace = object.getMetadata().getNamespace();
        // The API server accepts events of cluster-scoped objects only in "default" (as client-go's recorder
        // writes them), so kubectl describe clusterissuer finds them there.
        String eventNamespace = namespace == null || namespace.isEmpty() ? "default" : namespace;
        String now = Conditions.timestamp(clock.instant());
        var event = new EventBuilder()
                .withNewMetadata()
                .withName(object.getMetadata().getName() + "."
                        + UUID.randomUUID().toString().substring(0, 8))
                .withNamespace(eventNamespace)
                .endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder()
                        .withApiVersion(object.getApiVersion())
                        .withKind(object.getKind())
                        .withName(object.getMetadata().getName())
                        .withNamespace(namespace)
                        .withUid(object.getMetadata().getUid())
                        .withResourceVersion(object.getMetadata().getResourceVersion())
                        .build())
                .withType(type)
                .withReason(reason)
                .withMessage(message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) : message)
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withCount(1)
                .withNewSource()
                .withComponent(COMPONENT)
                .endSource()
                .withReportingComponent(COMPONENT)
                .build();
        try {
            client.v1().events().inNamespace(eventNamespace).resource(event).create();
        } catch (KubernetesClientException e) {
            LOG.warn("event not recorded reason={} code={}", reason, e.getCode());
        }
    }
}
