package dev.azurekeyvaultissuer.controller;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.api.Issuer;
import dev.azurekeyvaultissuer.api.IssuerAuth;
import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.api.IssuerStatus;
import dev.azurekeyvaultissuer.api.ManagedIdentityAuth;
import dev.azurekeyvaultissuer.api.SecretKeySelector;
import dev.azurekeyvaultissuer.api.ServicePrincipalAuth;
import dev.azurekeyvaultissuer.issuer.IssuerAdmission;
import dev.azurekeyvaultissuer.issuer.IssuerAvailability;
import dev.azurekeyvaultissuer.issuer.IssuerHealth;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.issuer.IssuerSigner;
import dev.azurekeyvaultissuer.issuer.SignerRegistry;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultConnector;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import dev.azurekeyvaultissuer.keyvault.VaultHosts;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.pki.CaCertificateFactory;
import dev.azurekeyvaultissuer.pki.Pem;
import dev.azurekeyvaultissuer.testing.LocalKeyVault;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every branch of one issuer check, driven through IssuerReconciler and ClusterIssuerReconciler as JOSDK would call
 * them: a real fabric8 client against a fake API server (Secrets, Events), JDK keys behind the vault port, a fixed
 * clock. What is asserted is what the cluster would see: the status patch (or none), the Event, and what the
 * request reconciler reads from the registry.
 */
class IssuerReconciliationTest {

    private static final Instant NOW = Instant.parse("2026-03-01T00:00:00Z");
    private static final Duration RESYNC = Duration.ofMinutes(5);
    private static final Duration NOT_READY_RECHECK = Duration.ofSeconds(30);
    private static final String OPERATOR_NAMESPACE = "akvi-system";
    private static final String TEAM = "team-a";
    private static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    private static final String CLIENT = "00000000-0000-0000-0000-0000000000c1";
    private static final String ALLOWED_MI = "00000000-0000-0000-0000-0000000000a1";
    private static final Context<Issuer> LIVE = TestContexts.live();
    private static final Context<ClusterIssuer> LIVE_CLUSTER = TestContexts.live();

    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final SignerRegistry registry = new SignerRegistry();
    private final List<VaultCredentials> connections = new ArrayList<>();
    private FakeKubernetesApi api;
    private LocalKeyVault vault;
    private VaultKey key;
    private RuntimeException connectorFailure;
    private IssuerReconciler issuers;
    private IssuerReconciler issuersWithAmbient;
    private IssuerReconciler issuersAllowingOneManagedIdentity;
    private VaultSessions sessions;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final IssuanceMetrics metrics = new IssuanceMetrics(meters);
    private ClusterIssuerReconciler clusterIssuers;

    @BeforeEach
    void operatorWithACaInTheVault() {
        api = new FakeKubernetesApi();
        vault = new LocalKeyVault(LocalKeyVault.DEFAULT_URL, clock);
        key = vault.createEcKey("ca", "P-256");
        vault.putSecret(
                "ca",
                Pem.encode(new CaCertificateFactory(vault, clock)
                        .selfSignedRoot(
                                "CN=Test Root",
                                Duration.ofDays(365),
                                OptionalInt.empty(),
                                key,
                                SignatureAlgorithm.ES256)));
        VaultConnector connector = credentials -> {
            connections.add(credentials);
            if (connectorFailure != null) {
                throw connectorFailure;
            }
            return vault;
        };
        sessions = new VaultSessions(connector);
        IssuerReconciliation reconciliation = reconciliation(connector, IssuerAdmission.strict());
        issuers = new IssuerReconciler(reconciliation);
        issuersWithAmbient = new IssuerReconciler(
                reconciliation(connector, new IssuerAdmission(true, Set.of(), VaultHosts.azureOnly())));
        issuersAllowingOneManagedIdentity = new IssuerReconciler(reconciliation(
                connector,
                new IssuerAdmission(false, Set.of(ALLOWED_MI.toUpperCase(Locale.ROOT)), VaultHosts.azureOnly())));
        clusterIssuers = new ClusterIssuerReconciler(reconciliation, OPERATOR_NAMESPACE);
    }

    private IssuerReconciliation reconciliation(VaultConnector connector, IssuerAdmission admission) {
        return new IssuerReconciliation(
                new CredentialResolver(api.client()),
                sessions,
                registry,
                new EventRecorder(api.client(), clock),
                metrics,
                clock,
                RESYNC,
                admission,
                new Revocations(
                        new RevocationPublications(),
                        metrics,
                        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(),
                        new TenantSerialExecutor(Runnable::run),
                        java.time.Duration.ZERO,
                        issuer -> {}));
    }

    @AfterEach
    void stop() {
        assertEquals(List.of(), api.unexpectedCalls(), "only Secret gets and Event creates the API server accepts");
        api.close();
    }

    // ---- fixtures

    private static IssuerSpec spec() {
        IssuerSpec spec = new IssuerSpec();
        spec.setVaultURL(LocalKeyVault.DEFAULT_URL);
        spec.setKeyName("ca");
        return spec;
    }

    private static IssuerSpec servicePrincipal(String secretName, String secretKey, boolean certificate) {
        ServicePrincipalAuth sp = new ServicePrincipalAuth();
        sp.setTenantID(TENANT);
        sp.setClientID(CLIENT);
        if (certificate) {
            sp.setClientCertificateRef(new SecretKeySelector(secretName, secretKey));
        } else {
            sp.setClientSecretRef(new SecretKeySelector(secretName, secretKey));
        }
        IssuerAuth auth = new IssuerAuth();
        auth.setServicePrincipal(sp);
        IssuerSpec spec = spec();
        spec.setAuth(auth);
        return spec;
    }

    private static Issuer issuer(IssuerSpec spec) {
        Issuer issuer = new Issuer();
        issuer.getMetadata().setName("team-ca");
        issuer.getMetadata().setNamespace(TEAM);
        issuer.getMetadata().setUid("uid-team-ca");
        issuer.getMetadata().setGeneration(1L);
        issuer.setSpec(spec);
        return issuer;
    }

    private static ClusterIssuer clusterIssuer(IssuerSpec spec) {
        ClusterIssuer issuer = new ClusterIssuer();
        issuer.getMetadata().setName("shared-ca");
        issuer.getMetadata().setUid("uid-shared-ca");
        issuer.getMetadata().setGeneration(1L);
        issuer.setSpec(spec);
        return issuer;
    }

    private static Condition ready(CustomResource<IssuerSpec, IssuerStatus> issuer) {
        return Conditions.find(issuer.getStatus().getConditions(), Conditions.READY)
                .orElseThrow();
    }

    private static void assertNotReady(
            UpdateControl<?> control, CustomResource<IssuerSpec, IssuerStatus> issuer, String reason) {
        assertTrue(control.isPatchStatus(), "a new condition is patched");
        Condition condition = ready(issuer);
        assertEquals("False", condition.getStatus());
        assertEquals(reason, condition.getReason(), condition.getMessage());
        assertEquals(1L, condition.getObservedGeneration());
        assertEquals(
                Optional.of(NOT_READY_RECHECK.toMillis()),
                control.getScheduleDelay(),
                "a broken issuer is looked at again within seconds, not after the resync interval");
    }

    private Event onlyEvent() {
        List<Event> events = api.events();
        assertEquals(1, events.size(), () -> "events: " + events);
        return events.get(0);
    }

    private static void assertEvent(
            Event event, String type, String reason, String namespace, CustomResource<?, ?> about) {
        assertEquals(type, event.getType());
        assertEquals(reason, event.getReason());
        assertEquals(namespace, event.getMetadata().getNamespace());
        assertEquals(about.getKind(), event.getInvolvedObject().getKind());
        assertEquals(about.getApiVersion(), event.getInvolvedObject().getApiVersion());
        assertEquals(about.getMetadata().getName(), event.getInvolvedObject().getName());
        assertEquals(
                about.getMetadata().getNamespace(), event.getInvolvedObject().getNamespace());
        assertEquals(about.getMetadata().getUid(), event.getInvolvedObject().getUid());
        assertEquals(EventRecorder.COMPONENT, event.getSource().getComponent());
        assertFalse(event.getMessage().contains("\n"), event.getMessage());
    }

    // ---- Ready, and when nothing is written

    @Test
    void readyClusterIssuerGetsKeyIdCaAndANormalEvent() {
        ClusterIssuer issuer = clusterIssuer(spec());

        UpdateControl<ClusterIssuer> control = clusterIssuers.reconcile(issuer, LIVE_CLUSTER);

        assertTrue(control.isPatchStatus());
        Condition condition = ready(issuer);
        assertEquals("True", condition.getStatus());
        assertEquals("Checked", condition.getReason());
        assertEquals("2026-03-01T00:00:00Z", condition.getLastTransitionTime());
        assertTrue(
                condition.getMessage().startsWith("Signing with " + key.keyId() + " (ES256)"), condition.getMessage());
        assertEquals(key.keyId(), issuer.getStatus().getKeyID());
        assertTrue(issuer.getStatus().getCa().startsWith("-----BEGIN CERTIFICATE-----"));
        assertEquals(Optional.of(RESYNC.toMillis()), control.getScheduleDelay());
        // The API server takes Events of a cluster-scoped object in "default" only, as client-go writes them.
        assertEvent(onlyEvent(), "Normal", "Checked", "default", issuer);
        assertEquals(List.of(new VaultCredentials.Ambient()), connections, "a ClusterIssuer may use ambient");
        assertInstanceOf(
                IssuerAvailability.Ready.class,
                registry.availability(IssuerId.clusterIssuer("shared-ca"), "uid-shared-ca", 1L));
    }

    @Test
    void nothingChangedMeansNoStatusPatchAndNoEvent() {
        ClusterIssuer issuer = clusterIssuer(spec());
        clusterIssuers.reconcile(issuer, LIVE_CLUSTER);

        UpdateControl<ClusterIssuer> again = clusterIssuers.reconcile(issuer, LIVE_CLUSTER);

        assertTrue(again.isNoUpdate(), "an identical status is not patched again");
        assertEquals(Optional.of(RESYNC.toMillis()), again.getScheduleDelay(), "but checked again after resync");
        assertEquals(1, api.events().size(), "no second Event");
        assertEquals(1, connections.size(), "the vault session is kept");
    }

    @Test
    void aNewKeyVersionIsPatchedAndRecordedAlthoughTheReasonStaysChecked() {
        ClusterIssuer issuer = clusterIssuer(spec());
        clusterIssuers.reconcile(issuer, LIVE_CLUSTER);
        String firstTransition = ready(issuer).getLastTransitionTime();
        // Same key pair (TestKeyPairs shares them), new version: the CA still matches and the issuer follows.
        VaultKey rotated = vault.createEcKey("ca", "P-256");

        UpdateControl<ClusterIssuer> control = clusterIssuers.reconcile(issuer, LIVE_CLUSTER);

        assertTrue(control.isPatchStatus());
        assertEquals(rotated.keyId(), issuer.getStatus().getKeyID());
        assertEquals(firstTransition, ready(issuer).getLastTransitionTime(), "still Ready: no transition time");
        assertEquals(2, api.events().size());
        assertTrue(
                api.events().get(1).getMessage().contains(rotated.keyId()),
                api.events().get(1).getMessage());
    }

    @Test
    void fromNotReadyToReadyIsAWarningThenANormalEvent() {
        Issuer issuer = issuer(servicePrincipal("sp-credentials", "clientSecret", false));
        issuers.reconcile(issuer, LIVE);
        assertEquals("CredentialsUnavailable", ready(issuer).getReason());
        api.putSecret(TEAM, "sp-credentials", Map.of("clientSecret", "s3cret"));

        UpdateControl<Issuer> control = issuers.reconcile(issuer, LIVE);

        assertTrue(control.isPatchStatus());
        assertEquals("True", ready(issuer).getStatus());
        List<Event> events = api.events();
        assertEquals(2, events.size(), () -> "events: " + events);
        assertEvent(events.get(0), "Warning", "CredentialsUnavailable", TEAM, issuer);
        assertEvent(events.get(1), "Normal", "Checked", TEAM, issuer);
        assertEquals(List.of(new VaultCredentials.ClientSecret(TENANT, CLIENT, "s3cret")), connections);
    }

    @Test
    void aNewMessageForTheSameReasonIsPatchedWithoutAnotherEvent() {
        Issuer issuer = issuer(servicePrincipal("sp-credentials", "clientSecret", false));
        issuers.reconcile(issuer, LIVE);
        api.putSecret(TEAM, "sp-credentials", Map.of("password", "s3cret"));

        UpdateControl<Issuer> control = issuers.reconcile(issuer, LIVE);

        assertTrue(control.isPatchStatus(), "the message says what to fix now");
        assertTrue(
                ready(issuer).getMessage().contains("has no key"), ready(issuer).getMessage());
        assertEquals(1, api.events().size(), "same status and reason: no new Event");
    }

    // ---- not ready, branch by branch

    @Test
    void namespacedIssuerWithoutAuthIsAmbientCredentialsNotAllowed() {
        Issuer issuer = issuer(spec());

        UpdateControl<Issuer> control = issuers.reconcile(issuer, LIVE);

        assertNotReady(control, issuer, "AmbientCredentialsNotAllowed");
        assertTrue(
                ready(issuer).getMessage().contains("--issuer-ambient-credentials"),
                ready(issuer).getMessage());
        assertEquals(List.of(), connections, "the operator's identity is never used for it");
        assertEvent(onlyEvent(), "Warning", "AmbientCredentialsNotAllowed", TEAM, issuer);
        assertInstanceOf(
                IssuerAvailability.NotReady.class,
                registry.availability(IssuerId.issuer(TEAM, "team-ca"), "uid-team-ca", 1L));
    }

    @Test
    void namespacedIssuerWithoutAuthIsReadyWhenTheOperatorAllowsAmbient() {
        Issuer issuer = issuer(spec());

        issuersWithAmbient.reconcile(issuer, LIVE);

        assertEquals("Checked", ready(issuer).getReason());
        assertEquals(List.of(new VaultCredentials.Ambient()), connections);
    }

    @Test
    void bothKeyFormsAreAnInvalidSpec() {
        IssuerSpec spec = spec();
        spec.setKeyURI("azurekms://local.vault.azure.net/ca");
        ClusterIssuer issuer = clusterIssuer(spec);

        UpdateControl<ClusterIssuer> control = clusterIssuers.reconcile(issuer, LIVE_CLUSTER);

        assertNotReady(control, issuer, "InvalidSpec");
        assertEquals(
                "name the key either by keyURI or by vaultURL and keyName, not both",
                ready(issuer).getMessage());
        assertEquals(List.of(), connections);
        assertEvent(onlyEvent(), "Warning", "InvalidSpec", "default", issuer);
    }

    @Test
    void twoAuthMethodsAreAnInvalidSpecAndNoSecretIsRead() {
        IssuerSpec spec = servicePrincipal("sp-credentials", "clientSecret", false);
        ManagedIdentityAuth managed = new ManagedIdentityAuth();
        managed.setClientID(CLIENT);
        spec.getAuth().setManagedIdentity(managed);
        Issuer issuer = issuer(spec);

        UpdateControl<Issuer> control = issuers.reconcile(issuer, LIVE);

        assertNotReady(control, issuer, "InvalidSpec");
        assertTrue(
                ready(issuer).getMessage().contains("choose one"), ready(issuer).getMessage());
        assertEquals(List.of(), api.secretReads());
    }

    @Test
    void aMissingCredentialsSecretIsCredentialsUnavailable() {
        Issuer issuer = issuer(servicePrincipal("sp-credentials", "clientSecret", false));

        UpdateControl<Issuer> control = issuers.reconcile(issuer, LIVE);

        assertNotReady(control, issuer, "CredentialsUnavailable");
        assertEquals("Secret team-a/sp-credentials not found", ready(issuer).getMessage());
        assertEquals(List.of(TEAM + "/sp-credentials"), api.secretReads(), "read in the Issuer's own namespace");
        assertEquals(List.of(), connections);
        assertEvent(onlyEvent(), "Warning", "CredentialsUnavailable", TEAM, issuer);
    }

    @Test
    void aCredentialsSecretWithoutTheNamedKeyIsCredentialsUnavailable() {
        api.putSecret(TEAM, "sp-credentials", Map.of("password", "s3cret"));
        Issuer issuer = issuer(servicePrincipal("sp-credentials", "clientSecret", false));

        UpdateControl<Issuer> control = issuers.reconcile(issuer, LIVE);

        assertNotReady(control, issuer, "CredentialsUnavailable");
        assertEquals(
                "Secret team-a/sp-credentials has no key \"clientSecret\"",
                ready(issuer).getMessage());
        assertEquals(List.of(), connections);
    }

    @Test
    void aClientCertificateSecretWithoutTheNamedKeyIsCredentialsUnavailable() {
        api.putSecret(OPERATOR_NAMESPACE, "sp-certificate", Map.of("tls.crt", "-----BEGIN CERTIFICATE-----"));
        ClusterIssuer issuer = clusterIssuer(servicePrincipal("sp-certificate", "certificate.pem", true));

        UpdateControl<ClusterIssuer> control = clusterIssuers.reconcile(issuer, LIVE_CLUSTER);

        assertNotReady(control, issuer, "CredentialsUnavailable");
        assertEquals(
                "Secret akvi-system/sp-certificate has no key \"certificate.pem\"",
                ready(issuer).getMessage());
    }

    @Test
    void aClusterIssuerReadsItsClientCertificateInTheClusterResourceNamespace() {
        String pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        api.putSecret(OPERATOR_NAMESPACE, "sp-certificate", Map.of("certificate.pem", pem));
        // The same name in another namespace must not be the one used.
        api.putSecret(TEAM, "sp-certificate", Map.of("certificate.pem", "wrong"));
        ClusterIssuer issuer = clusterIssuer(servicePrincipal("sp-certificate", "certificate.pem", true));

        clusterIssuers.reconcile(issuer, LIVE_CLUSTER);

        assertEquals("Checked", ready(issuer).getReason(), ready(issuer).getMessage());
        assertEquals(List.of(OPERATOR_NAMESPACE + "/sp-certificate"), api.secretReads());
        VaultCredentials.ClientCertificate used =
                assertInstanceOf(VaultCredentials.ClientCertificate.class, connections.get(0));
        assertEquals(TENANT, used.tenantId());
        assertEquals(CLIENT, used.clientId());
        assertArrayEquals(pem.getBytes(StandardCharsets.UTF_8), used.pem());
    }

    @Test
    void anUnexpectedFailureIsInternalErrorOnOneLine() {
        connectorFailure = new IllegalStateException("connector broke\n\tat some.Frame(Frame.java:1)");
        ClusterIssuer issuer = clusterIssuer(spec());

        UpdateControl<ClusterIssuer> control = clusterIssuers.reconcile(issuer, LIVE_CLUSTER);

        assertNotReady(control, issuer, "InternalError");
        assertEquals(
                "IllegalStateException: connector broke",
                ready(issuer).getMessage(),
                "the stack trace stays in the log");
        assertEvent(onlyEvent(), "Warning", "InternalError", "default", issuer);
        assertNull(issuer.getStatus().getKeyID());
    }

    @Test
    void aVaultFailureKeepsTheLastKeyIdAndCa() {
        ClusterIssuer issuer = clusterIssuer(spec());
        clusterIssuers.reconcile(issuer, LIVE_CLUSTER);
        String ca = issuer.getStatus().getCa();
        vault.disableKey("ca");

        UpdateControl<ClusterIssuer> control = clusterIssuers.reconcile(issuer, LIVE_CLUSTER);

        assertNotReady(control, issuer, "KeyDisabled");
        assertEquals(key.keyId(), issuer.getStatus().getKeyID(), "what signed last stays visible");
        assertEquals(ca, issuer.getStatus().getCa());
        assertEquals(
                List.of("Normal", "Warning"),
                api.events().stream().map(Event::getType).toList());
    }

    // ---- tenant rules: ambient identities, vault hosts, deletion

    private static IssuerSpec managedIdentity(String clientId) {
        ManagedIdentityAuth managed = new ManagedIdentityAuth();
        managed.setClientID(clientId);
        IssuerAuth auth = new IssuerAuth();
        auth.setManagedIdentity(managed);
        IssuerSpec spec = spec();
        spec.setAuth(auth);
        return spec;
    }

    @Test
    void aNamespacedIssuerNamingANodeManagedIdentityIsAmbientCredentialsNotAllowed() {
        Issuer issuer = issuer(managedIdentity(CLIENT));

        UpdateControl<Issuer> control = issuers.reconcile(issuer, LIVE);

        assertNotReady(control, issuer, "AmbientCredentialsNotAllowed");
        assertTrue(
                ready(issuer).getMessage().contains("--issuer-managed-identities"),
                ready(issuer).getMessage());
        assertEquals(List.of(), connections, "the node's identity is never used for it");
    }

    @Test
    void aManagedIdentityOnTheAllowListMayBeUsedByANamespacedIssuer() {
        issuersAllowingOneManagedIdentity.reconcile(issuer(managedIdentity(ALLOWED_MI)), LIVE);
        Issuer other = issuer(managedIdentity(CLIENT));
        other.getMetadata().setName("other-ca");
        issuersAllowingOneManagedIdentity.reconcile(other, LIVE);

        assertEquals(
                List.of(new VaultCredentials.ManagedIdentity(ALLOWED_MI)),
                connections,
                "the allowed client ID (compared case-insensitively) and nothing else");
        assertEquals("AmbientCredentialsNotAllowed", ready(other).getReason());
    }

    @Test
    void aClusterIssuerMayNameAManagedIdentity() {
        ClusterIssuer issuer = clusterIssuer(managedIdentity(CLIENT));

        clusterIssuers.reconcile(issuer, LIVE_CLUSTER);

        assertEquals("Checked", ready(issuer).getReason(), ready(issuer).getMessage());
        assertEquals(List.of(new VaultCredentials.ManagedIdentity(CLIENT)), connections);
    }

    @Test
    void aVaultHostOutsideAzureIsAnInvalidSpecThatNamesTheFlag() {
        IssuerSpec spec = spec();
        spec.setVaultURL("https://vault.attacker.example");
        ClusterIssuer issuer = clusterIssuer(spec);

        UpdateControl<ClusterIssuer> control = clusterIssuers.reconcile(issuer, LIVE_CLUSTER);

        assertNotReady(control, issuer, "InvalidSpec");
        assertTrue(
                ready(issuer).getMessage().contains("--allowed-vault-hosts"),
                ready(issuer).getMessage());
        assertEquals(List.of(), connections, "no credential is built for a host that is not allowed");
    }

    @Test
    void aCaCertificateVaultOutsideAzureIsAnInvalidSpecToo() {
        IssuerSpec spec = spec();
        var source = new dev.azurekeyvaultissuer.api.CaCertificateSource();
        source.setVaultURL("https://127.0.0.1:8443");
        spec.setCaCertificate(source);
        ClusterIssuer issuer = clusterIssuer(spec);

        clusterIssuers.reconcile(issuer, LIVE_CLUSTER);

        assertEquals("InvalidSpec", ready(issuer).getReason());
        assertTrue(
                ready(issuer).getMessage().contains("127.0.0.1"), ready(issuer).getMessage());
    }

    @Test
    void aDeletedIssuerLeavesNoSignerSessionOrMetricBehind() {
        ClusterIssuer issuer = clusterIssuer(servicePrincipal("sp-credentials", "clientSecret", false));
        api.putSecret(OPERATOR_NAMESPACE, "sp-credentials", Map.of("clientSecret", "s3cret"));
        clusterIssuers.reconcile(issuer, LIVE_CLUSTER);
        assertEquals(1, sessions.size());
        assertFalse(meters.find("akvi.issuer.ready").meters().isEmpty());

        clusterIssuers.reconcile(issuer, TestContexts.deleted());

        assertInstanceOf(
                IssuerAvailability.NotReady.class,
                registry.availability(IssuerId.clusterIssuer("shared-ca"), "uid-shared-ca", 1L));
        assertEquals(0, registry.size());
        assertEquals(0, sessions.size(), "the SDK clients and their token cache are dropped");
        assertTrue(meters.find("akvi.issuer.ready").meters().isEmpty(), "no series of a deleted issuer");
    }

    @Test
    void anIssuerCreatedAgainUnderTheSameNameNeverSignsWithTheOldOnesCheck() {
        ClusterIssuer old = clusterIssuer(spec());
        clusterIssuers.reconcile(old, LIVE_CLUSTER);
        ClusterIssuer recreated = clusterIssuer(servicePrincipal("sp-credentials", "clientSecret", false));
        recreated.getMetadata().setUid("uid-shared-ca-2");

        // Its own check has not finished: whatever the old object recorded must not count for it.
        assertInstanceOf(
                IssuerAvailability.NotReady.class,
                registry.availability(IssuerId.clusterIssuer("shared-ca"), "uid-shared-ca-2", 1L),
                "same name, same generation 1, another object");
        api.putSecret(OPERATOR_NAMESPACE, "sp-credentials", Map.of("clientSecret", "s3cret"));
        clusterIssuers.reconcile(recreated, LIVE_CLUSTER);

        assertEquals(
                List.of(new VaultCredentials.Ambient(), new VaultCredentials.ClientSecret(TENANT, CLIENT, "s3cret")),
                connections,
                "a session of its own, with its own credentials");
        assertInstanceOf(
                IssuerAvailability.Ready.class,
                registry.availability(IssuerId.clusterIssuer("shared-ca"), "uid-shared-ca-2", 1L));
    }

    @Test
    void tenantsWaitingForANotReadyClusterIssuerSeeItsReasonButNotItsDetails() {
        ClusterIssuer issuer = clusterIssuer(servicePrincipal("sp-credentials", "clientSecret", false));
        clusterIssuers.reconcile(issuer, LIVE_CLUSTER);

        IssuerAvailability.NotReady seen = assertInstanceOf(
                IssuerAvailability.NotReady.class,
                registry.availability(IssuerId.clusterIssuer("shared-ca"), "uid-shared-ca", 1L));

        assertTrue(seen.why().startsWith("CredentialsUnavailable"), seen.why());
        assertFalse(seen.why().contains("sp-credentials"), "the Secret's name stays on the ClusterIssuer: " + seen);
        assertFalse(seen.why().contains(OPERATOR_NAMESPACE), seen.why());
        assertTrue(ready(issuer).getMessage().contains("sp-credentials"), "the ClusterIssuer has the details");
    }

    // ---- a refusal met while signing

    private IssuerSigner readySigner(ClusterIssuer issuer) {
        clusterIssuers.reconcile(issuer, LIVE_CLUSTER);
        return assertInstanceOf(
                        IssuerAvailability.Ready.class,
                        registry.availability(IssuerId.clusterIssuer("shared-ca"), "uid-shared-ca", 1L))
                .signer();
    }

    @Test
    void aSigningRefusalIsShownAtOnceWithoutACheckAndCheckedAgainAfterTheNotReadyWait() {
        ClusterIssuer issuer = clusterIssuer(spec());
        IssuerSigner signer = readySigner(issuer);
        IssuerHealth.NotReady denied =
                new IssuerHealth.NotReady("AccessDenied", "the vault refused to sign: grant keys sign");
        assertTrue(registry.refuseSigning(IssuerId.clusterIssuer("shared-ca"), signer, denied, NOW.minusSeconds(10)));
        vault.resetCalls();

        UpdateControl<ClusterIssuer> control = clusterIssuers.reconcile(issuer, LIVE_CLUSTER);

        assertTrue(control.isPatchStatus());
        assertEquals("False", ready(issuer).getStatus());
        assertEquals("AccessDenied", ready(issuer).getReason());
        assertEquals("the vault refused to sign: grant keys sign", ready(issuer).getMessage());
        assertEquals(
                Optional.of(Duration.ofSeconds(20).toMillis()),
                control.getScheduleDelay(),
                "checked again when the 30 s of a not-ready issuer are over, counted from the refusal");
        assertEquals(0, vault.calls(LocalKeyVault.Operation.GET_KEY), "no check: the key may still be readable");
        assertEquals("Warning", api.events().get(api.events().size() - 1).getType());
        assertInstanceOf(
                IssuerAvailability.NotReady.class,
                registry.availability(IssuerId.clusterIssuer("shared-ca"), "uid-shared-ca", 1L));
    }

    @Test
    void afterTheNotReadyWaitTheIssuerIsCheckedAndReadyAgain() {
        ClusterIssuer issuer = clusterIssuer(spec());
        IssuerSigner signer = readySigner(issuer);
        registry.refuseSigning(
                IssuerId.clusterIssuer("shared-ca"),
                signer,
                new IssuerHealth.NotReady("AccessDenied", "the vault refused to sign"),
                NOW.minusSeconds(30));
        vault.resetCalls();

        UpdateControl<ClusterIssuer> control = clusterIssuers.reconcile(issuer, LIVE_CLUSTER);

        assertEquals(1, vault.calls(LocalKeyVault.Operation.GET_KEY), "a real check");
        assertEquals("True", ready(issuer).getStatus());
        assertEquals(Optional.of(RESYNC.toMillis()), control.getScheduleDelay());
        assertInstanceOf(
                IssuerAvailability.Ready.class,
                registry.availability(IssuerId.clusterIssuer("shared-ca"), "uid-shared-ca", 1L));
    }

    @Test
    void aRefusalOfAnOlderGenerationOrObjectIsNotShown() {
        ClusterIssuer issuer = clusterIssuer(spec());
        IssuerSigner signer = readySigner(issuer);
        registry.refuseSigning(
                IssuerId.clusterIssuer("shared-ca"),
                signer,
                new IssuerHealth.NotReady("AccessDenied", "the vault refused to sign"),
                NOW);
        issuer.getMetadata().setGeneration(2L);
        vault.resetCalls();

        clusterIssuers.reconcile(issuer, LIVE_CLUSTER);

        assertEquals(1, vault.calls(LocalKeyVault.Operation.GET_KEY), "a changed spec is checked at once");
        assertEquals("True", ready(issuer).getStatus());
    }

    @Test
    void aStandbysCheckIsRecordedWithoutAWriteAndNeverOverTheLeaders() {
        ClusterIssuer issuer = clusterIssuer(spec());
        IssuerReconciliation reconciliation = reconciliation(credentials -> vault, IssuerAdmission.strict());

        reconciliation.prepare(issuer, IssuerId.clusterIssuer("shared-ca"), OPERATOR_NAMESPACE, () -> false);

        assertInstanceOf(
                IssuerAvailability.Ready.class,
                registry.availability(IssuerId.clusterIssuer("shared-ca"), "uid-shared-ca", 1L));
        assertNull(issuer.getStatus() == null ? null : issuer.getStatus().getKeyID(), "nothing written");
        assertEquals(List.of(), api.events());

        IssuerSigner leaders = readySigner(issuer);
        vault.resetCalls();
        reconciliation.prepare(issuer, IssuerId.clusterIssuer("shared-ca"), OPERATOR_NAMESPACE, () -> true);
        assertEquals(0, vault.calls(LocalKeyVault.Operation.GET_KEY), "a leader does not check twice");
        assertEquals(
                leaders,
                ((IssuerAvailability.Ready)
                                registry.availability(IssuerId.clusterIssuer("shared-ca"), "uid-shared-ca", 1L))
                        .signer());
    }
}
