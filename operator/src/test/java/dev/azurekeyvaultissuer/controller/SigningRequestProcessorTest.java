package dev.azurekeyvaultissuer.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.api.ApiGroup;
import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.issuer.IssuerAvailability;
import dev.azurekeyvaultissuer.issuer.IssuerHealth;
import dev.azurekeyvaultissuer.issuer.IssuerHealthCheck;
import dev.azurekeyvaultissuer.issuer.IssuerSettings;
import dev.azurekeyvaultissuer.issuer.RequestDecisions;
import dev.azurekeyvaultissuer.issuer.RetryPolicy;
import dev.azurekeyvaultissuer.issuer.SignerRegistry;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.pki.CaCertificateFactory;
import dev.azurekeyvaultissuer.pki.Pem;
import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.LocalKeyVault;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.certmanager.api.model.v1.CertificateRequestBuilder;
import io.fabric8.certmanager.api.model.v1.CertificateRequestCondition;
import io.fabric8.certmanager.api.model.v1.CertificateRequestConditionBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The request controller, one row per case, as cert-manager issuer-lib's request controller test has it: a
 * CertificateRequest, whether its issuer can sign, and what the vault does when asked to sign, against the status
 * patch the API server receives and the Events it records. SigningRequestProcessor with CertificateRequestKind and
 * RequestStatusWriter run as in the operator, over a real fabric8 client and a fake API server, with a fixed clock.
 */
class SigningRequestProcessorTest {

    private static final Instant NOW = Instant.parse("2026-03-01T00:00:00Z");
    private static final String NAMESPACE = "shop";
    private static final String CSR = CsrBuilder.forKey(TestKeyPairs.ec("P-256"))
            .subject("CN=web")
            .dns("web.shop.example.com")
            .pem();
    private static final Duration MAX_RETRY = Duration.ofHours(1);

    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private FakeKubernetesApi api;
    private LocalKeyVault vault;
    private SigningRequestProcessor<CertificateRequest> processor;

    @BeforeEach
    void processorOverAFakeApiServer() {
        api = new FakeKubernetesApi();
        vault = new LocalKeyVault(LocalKeyVault.DEFAULT_URL, clock);
        VaultKey key = vault.createEcKey("ca", "P-256");
        vault.putSecret(
                "ca",
                Pem.encode(new CaCertificateFactory(vault, clock)
                        .selfSignedRoot(
                                "CN=Test Root",
                                Duration.ofDays(365),
                                OptionalInt.empty(),
                                key,
                                SignatureAlgorithm.ES256)));
        vault.resetCalls();
        processor = new SigningRequestProcessor<>(
                new CertificateRequestKind(new RequestStatusWriter(api.client(), clock)),
                new RequestDecisions(RetryPolicy.withMaxRetryDuration(MAX_RETRY)),
                new EventRecorder(api.client(), clock),
                new IssuanceMetrics(new SimpleMeterRegistry()),
                clock,
                new SignerRegistry(),
                new IssuerRechecks());
    }

    @AfterEach
    void onlyStatusPatchesAndEvents() {
        assertEquals(List.of(), api.unexpectedCalls());
        api.close();
    }

    // ---- the table

    /** What the issuer lookup answers for the request's issuer. */
    enum Issuer {
        MISSING,
        NOT_READY,
        READY
    }

    /** What the vault does when the signer calls it. */
    enum Vault {
        SIGNS,
        THROTTLED,
        UNAVAILABLE
    }

    /** The status patch expected: the Ready condition, and whether certificate and failureTime are set. */
    record Patch(String status, String reason, String messagePart, boolean certificate, boolean failureTime) {}

    record Case(
            String name,
            CertificateRequest request,
            Issuer issuer,
            Vault vault,
            Optional<Patch> patch,
            List<String> events,
            Optional<Duration> requeue) {

        @Override
        public String toString() {
            return name;
        }
    }

    private static Case row(
            String name,
            CertificateRequest request,
            Issuer issuer,
            Vault vault,
            Patch patch,
            List<String> events,
            Duration requeue) {
        return new Case(name, request, issuer, vault, Optional.ofNullable(patch), events, Optional.ofNullable(requeue));
    }

    static Stream<Case> cases() {
        return Stream.of(
                row(
                        "approved, issuer ready: issued",
                        request().approved().build(),
                        Issuer.READY,
                        Vault.SIGNS,
                        new Patch("True", "Issued", "Certificate fetched", true, false),
                        List.of("Normal Issued"),
                        null),
                row(
                        "not approved yet: left alone",
                        request().build(),
                        Issuer.READY,
                        Vault.SIGNS,
                        null,
                        List.of(),
                        null),
                row(
                        "denied: Failed with Denied",
                        request().denied().build(),
                        Issuer.READY,
                        Vault.SIGNS,
                        new Patch("False", "Denied", "denied", false, true),
                        List.of("Warning Denied"),
                        null),
                row(
                        "already issued: left alone",
                        request().approved().issued().build(),
                        Issuer.READY,
                        Vault.SIGNS,
                        null,
                        List.of(),
                        null),
                row(
                        "already failed: left alone",
                        request()
                                .approved()
                                .ready("False", "Failed")
                                .failureTime()
                                .build(),
                        Issuer.READY,
                        Vault.SIGNS,
                        null,
                        List.of(),
                        null),
                row(
                        "issuer missing: Pending",
                        request().approved().build(),
                        Issuer.MISSING,
                        Vault.SIGNS,
                        new Patch("False", "Pending", "does not exist", false, false),
                        List.of("Warning WaitingForIssuerExist"),
                        Duration.ZERO),
                row(
                        "issuer not ready: Pending with its reason",
                        request().approved().build(),
                        Issuer.NOT_READY,
                        Vault.SIGNS,
                        new Patch("False", "Pending", "key disabled", false, false),
                        List.of("Warning WaitingForIssuerReady"),
                        Duration.ZERO),
                row(
                        "already Pending with that message: no second patch or Event",
                        request()
                                .approved()
                                .ready("False", "Pending", "ClusterIssuer ca is not ready: key disabled")
                                .build(),
                        Issuer.NOT_READY,
                        Vault.SIGNS,
                        null,
                        List.of(),
                        Duration.ZERO),
                row(
                        "vault throttled: Pending, retried",
                        request().approved().build(),
                        Issuer.READY,
                        Vault.THROTTLED,
                        new Patch("False", "Pending", "throttled", false, false),
                        List.of("Warning RetryableError"),
                        Duration.ZERO),
                row(
                        "vault unavailable past the retry limit: Failed",
                        request()
                                .approved()
                                .createdAt(NOW.minus(MAX_RETRY).minusSeconds(1))
                                .build(),
                        Issuer.READY,
                        Vault.UNAVAILABLE,
                        new Patch("False", "Failed", "unreachable", false, true),
                        List.of("Warning PermanentError"),
                        null),
                row(
                        "CSR not PEM: Failed for good",
                        request().approved().csr("not a CSR").build(),
                        Issuer.READY,
                        Vault.SIGNS,
                        new Patch("False", "Failed", "", false, true),
                        List.of("Warning PermanentError"),
                        null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void processes(Case c) {
        switch (c.vault()) {
            case THROTTLED ->
                vault.failNext(
                        LocalKeyVault.Operation.SIGN,
                        new VaultException(VaultException.Kind.THROTTLED, "vault throttled the sign call"));
            case UNAVAILABLE ->
                vault.failNext(
                        LocalKeyVault.Operation.SIGN,
                        new VaultException(VaultException.Kind.UNAVAILABLE, "vault unreachable"));
            case SIGNS -> {}
        }

        UpdateControl<CertificateRequest> control = processor.process(c.request(), lookup(c.issuer()));

        List<CertificateRequest> patches = api.statusPatches();
        if (c.patch().isEmpty()) {
            assertEquals(List.of(), patches, "no status write");
        } else {
            assertEquals(1, patches.size(), () -> "one status write: " + patches);
            assertPatch(c.patch().get(), patches.get(0));
        }
        assertEquals(
                c.events(),
                api.events().stream()
                        .map(e -> e.getType() + " " + e.getReason())
                        .toList());
        api.events().forEach(this::assertAboutTheRequest);
        assertEquals(
                c.requeue().isPresent(),
                control.getScheduleDelay().isPresent(),
                () -> "requeued: " + control.getScheduleDelay());
        if (c.patch().map(Patch::certificate).orElse(false)) {
            assertEquals(1, vault.signCalls(), "one vault call per certificate");
        }
        if (c.issuer() != Issuer.READY || c.patch().isEmpty()) {
            assertEquals(0, vault.signCalls(), "nothing is signed for a request that is not to be signed");
        }
    }

    private static void assertPatch(Patch expected, CertificateRequest patch) {
        assertEquals("req", patch.getMetadata().getName());
        assertEquals(NAMESPACE, patch.getMetadata().getNamespace());
        List<CertificateRequestCondition> conditions = patch.getStatus().getConditions();
        assertEquals(1, conditions.size(), "only our Ready condition: Approved and Denied stay the approver's");
        CertificateRequestCondition ready = conditions.get(0);
        assertEquals("Ready", ready.getType());
        assertEquals(expected.status(), ready.getStatus());
        assertEquals(expected.reason(), ready.getReason());
        assertTrue(ready.getMessage().contains(expected.messagePart()), ready.getMessage());
        assertEquals(expected.certificate(), patch.getStatus().getCertificate() != null, "certificate");
        assertEquals(expected.certificate(), patch.getStatus().getCa() != null, "ca");
        assertEquals(
                expected.failureTime() ? NOW.toString() : null,
                patch.getStatus().getFailureTime());
        if (expected.certificate()) {
            String pem = new String(
                    Base64.getDecoder().decode(patch.getStatus().getCertificate()), StandardCharsets.US_ASCII);
            assertEquals(
                    "CN=web",
                    Pem.decodeCertificates(pem, 1 << 20)
                            .get(0)
                            .getSubjectX500Principal()
                            .getName());
            assertEquals("1", patch.getMetadata().getResourceVersion(), "written over the version read");
        }
    }

    private void assertAboutTheRequest(Event event) {
        assertEquals(NAMESPACE, event.getMetadata().getNamespace());
        assertEquals("CertificateRequest", event.getInvolvedObject().getKind());
        assertEquals("req", event.getInvolvedObject().getName());
        assertNotNull(event.getMessage());
        assertNull(event.getMessage().lines().skip(1).findFirst().orElse(null), "one line");
    }

    /** The issuer lookup as the reconciler does it, answered from the table. */
    private Function<dev.azurekeyvaultissuer.issuer.IssuerId, IssuerAvailability> lookup(Issuer issuer) {
        return id -> switch (issuer) {
            case MISSING -> new IssuerAvailability.Missing(id.toString());
            case NOT_READY -> new IssuerAvailability.NotReady(id.toString(), "key disabled");
            case READY -> {
                IssuerSpec spec = new IssuerSpec();
                spec.setVaultURL(LocalKeyVault.DEFAULT_URL);
                spec.setKeyName("ca");
                IssuerHealth health = new IssuerHealthCheck(clock).check(IssuerSettings.from(spec), vault);
                yield new IssuerAvailability.Ready(((IssuerHealth.Ready) health).signer());
            }
        };
    }

    // ---- requests

    private static RequestBuilder request() {
        return new RequestBuilder();
    }

    /** A CertificateRequest for ClusterIssuer "ca", as cert-manager and its approver leave it. */
    private static final class RequestBuilder {
        private final List<CertificateRequestCondition> conditions = new ArrayList<>();
        private String csr = CSR;
        private Instant createdAt = NOW.minusSeconds(10);
        private boolean failureTime;
        private boolean issued;

        RequestBuilder approved() {
            conditions.add(condition("Approved", "True", "cert-manager.io", "approved"));
            return this;
        }

        RequestBuilder denied() {
            conditions.add(condition("Denied", "True", "policy", "denied by policy"));
            return this;
        }

        RequestBuilder ready(String status, String reason) {
            return ready(status, reason, reason);
        }

        RequestBuilder ready(String status, String reason, String message) {
            conditions.add(condition("Ready", status, reason, message));
            return this;
        }

        RequestBuilder failureTime() {
            failureTime = true;
            return this;
        }

        RequestBuilder issued() {
            issued = true;
            return ready("True", "Issued");
        }

        RequestBuilder csr(String pem) {
            csr = pem;
            return this;
        }

        RequestBuilder createdAt(Instant instant) {
            createdAt = instant;
            return this;
        }

        CertificateRequest build() {
            return new CertificateRequestBuilder()
                    .withNewMetadata()
                    .withName("req")
                    .withNamespace(NAMESPACE)
                    .withUid("uid-req")
                    .withResourceVersion("1")
                    .withCreationTimestamp(createdAt.toString())
                    .endMetadata()
                    .withNewSpec()
                    .withRequest(Base64.getEncoder().encodeToString(csr.getBytes(StandardCharsets.US_ASCII)))
                    .withNewIssuerRef()
                    .withGroup(ApiGroup.NAME)
                    .withKind(ApiGroup.CLUSTER_ISSUER_KIND)
                    .withName("ca")
                    .endIssuerRef()
                    .endSpec()
                    .withNewStatus()
                    .withConditions(conditions)
                    .withCertificate(issued ? "Y2VydA==" : null)
                    .withFailureTime(failureTime ? NOW.minusSeconds(5).toString() : null)
                    .endStatus()
                    .build();
        }

        private static CertificateRequestCondition condition(
                String type, String status, String reason, String message) {
            return new CertificateRequestConditionBuilder()
                    .withType(type)
                    .withStatus(status)
                    .withReason(reason)
                    .withMessage(message)
                    .withLastTransitionTime(NOW.minusSeconds(5).toString())
                    .build();
        }
    }
}
