package dev.azurekeyvaultissuer.it;

import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.api.IssuerStatus;
import dev.azurekeyvaultissuer.pki.Pem;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Waits until a resource in the test cluster meets a condition (like Keycloak's CRAssert). On a timeout the failure
 * shows the resource's last status, conditions first, so a test that waited in vain says what it saw instead.
 */
final class ClusterAssert {

    static final Duration WAIT = Duration.ofSeconds(90);
    private static final int LONGEST_VALUE = 160;

    private ClusterAssert() {}

    /** Waits up to {@link #WAIT}; {@code namespace} null for a cluster-scoped kind. */
    static <T extends HasMetadata> T await(
            KubernetesClient client, Class<T> type, String namespace, String name, Predicate<T> test) {
        return await(client, type, namespace, name, WAIT, test);
    }

    static <T extends HasMetadata> T await(
            KubernetesClient client, Class<T> type, String namespace, String name, Duration wait, Predicate<T> test) {
        Resource<T> resource = namespace == null
                ? client.resources(type).withName(name)
                : client.resources(type).inNamespace(namespace).withName(name);
        try {
            return resource.waitUntilCondition(r -> r != null && test.test(r), wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientTimeoutException e) {
            String where = type.getSimpleName() + " " + (namespace == null ? "" : namespace + "/") + name;
            throw new AssertionError(
                    where + " did not get there within " + wait.toSeconds() + "s; last status: "
                            + lastStatus(client, resource.get()),
                    e);
        }
    }

    /** An issuer's Ready condition, if it has one. */
    static Optional<Condition> ready(CustomResource<IssuerSpec, IssuerStatus> issuer) {
        return issuer == null
                        || issuer.getStatus() == null
                        || issuer.getStatus().getConditions() == null
                ? Optional.empty()
                : issuer.getStatus().getConditions().stream()
                        .filter(c -> "Ready".equals(c.getType()))
                        .findFirst();
    }

    /** An issuer whose Ready condition has this status and reason. */
    static <T extends CustomResource<IssuerSpec, IssuerStatus>> Predicate<T> readyIs(String status, String reason) {
        return i -> ready(i).filter(c -> status.equals(c.getStatus()) && reason.equals(c.getReason()))
                .isPresent();
    }

    /** An issuer whose Ready condition is True, whatever the reason. */
    static <T extends CustomResource<IssuerSpec, IssuerStatus>> Predicate<T> isReady() {
        return i -> ready(i).filter(c -> "True".equals(c.getStatus())).isPresent();
    }

    /** Waits until cert-manager's CertificateRequest is Issued. */
    static CertificateRequest issued(KubernetesClient client, String namespace, String name) {
        return await(
                client,
                CertificateRequest.class,
                namespace,
                name,
                r -> "Issued".equals(CertificateRequestFixtures.readyReason(r)));
    }

    /** The JDK's PKIX validation of the chain up to the anchor; throws CertPathValidatorException if it fails. */
    static void assertChainsTo(List<X509Certificate> chain, X509Certificate anchor) throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX")
                .validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), parameters);
    }

    /** An issued CertificateRequest's chain (status.certificate) validates up to its status.ca; returns the chain. */
    static List<X509Certificate> assertChainsToItsCa(CertificateRequest issued) throws Exception {
        List<X509Certificate> chain = Pem.decodeCertificates(
                CertificateRequestFixtures.decode(issued.getStatus().getCertificate()), 1 << 20);
        X509Certificate root = Pem.decodeCertificates(
                        CertificateRequestFixtures.decode(issued.getStatus().getCa()), 1 << 20)
                .get(0);
        assertChainsTo(chain, root);
        return chain;
    }

    private static String lastStatus(KubernetesClient client, HasMetadata last) {
        if (last == null) {
            return "(the resource does not exist)";
        }
        Map<?, ?> whole = client.getKubernetesSerialization().convertValue(last, Map.class);
        Object status = whole.get("status");
        if (!(status instanceof Map<?, ?> fields)) {
            return "(none)";
        }
        StringBuilder out = new StringBuilder();
        if (fields.get("conditions") instanceof List<?> conditions) {
            for (Object c : conditions) {
                if (c instanceof Map<?, ?> condition) {
                    out.append("\n  ")
                            .append(condition.get("type"))
                            .append('=')
                            .append(condition.get("status"))
                            .append(' ')
                            .append(condition.get("reason"))
                            .append(": ")
                            .append(shortened(condition.get("message")));
                }
            }
        }
        fields.forEach((key, value) -> {
            if (!"conditions".equals(key)) {
                out.append("\n  ").append(key).append(": ").append(shortened(value));
            }
        });
        return out.length() == 0 ? "(empty)" : out.toString();
    }

    private static String shortened(Object value) {
        String text = String.valueOf(value);
        return text.length() <= LONGEST_VALUE ? text : text.substring(0, LONGEST_VALUE) + "...";
    }
}
