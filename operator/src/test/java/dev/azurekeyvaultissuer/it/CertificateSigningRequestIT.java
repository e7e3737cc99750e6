package dev.azurekeyvaultissuer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.api.Issuer;
import dev.azurekeyvaultissuer.api.IssuerPolicy;
import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.pki.CaCertificateFactory;
import dev.azurekeyvaultissuer.pki.Pem;
import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.LocalKeyVault;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kubernetes CertificateSigningRequests for our signer names, on a real kube-apiserver (its CertificateSigning
 * admission checks that only a signer's signers set a certificate) with the operator's shipped RBAC: approved,
 * denied, never approved, bad CSRs, namespaced signers with and without {@code reference}, durations and CA requests.
 * Requesters are impersonated users, so the API server records them in the CSR as it would for a real client.
 */
class CertificateSigningRequestIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String REQUESTER = "csr-requester";
    private static KubernetesTestEnvironment env;
    private static KubernetesClient admin;
    private static KubernetesClient requester;
    private static LocalKeyVault vault;

    @RegisterExtension
    static final InProcessOperator operator = new InProcessOperator();

    private static X509Certificate root;
    private static String team;

    @BeforeAll
    static void start() {
        env = operator.env();
        admin = operator.admin();
        vault = new LocalKeyVault(LocalKeyVault.DEFAULT_URL, Clock.systemUTC());
        VaultKey key = vault.createEcKey("csr-ca", "P-256");
        root = new CaCertificateFactory(vault, Clock.systemUTC())
                .selfSignedRoot(
                        "CN=CSR Root", Duration.ofDays(365), OptionalInt.empty(), key, SignatureAlgorithm.ES256);
        vault.putSecret("csr-ca", Pem.encode(root));
        operator.start(InProcessOperator.config().withResyncInterval(Duration.ofSeconds(5)), credentials -> vault);

        // A user who may create CSRs, and nothing else: what a workload's identity would have.
        admin.rbac()
                .clusterRoles()
                .resource(new ClusterRoleBuilder()
                        .withNewMetadata()
                        .withName("csr-creator")
                        .endMetadata()
                        .withRules(new PolicyRuleBuilder()
                                .withApiGroups("certificates.k8s.io")
                                .withResources("certificatesigningrequests")
                                .withVerbs("create", "get")
                                .build())
                        .build())
                .serverSideApply();
        admin.rbac()
                .clusterRoleBindings()
                .resource(new ClusterRoleBindingBuilder()
                        .withNewMetadata()
                        .withName("csr-creator")
                        .endMetadata()
                        .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "csr-creator")
                        .addNewSubject()
                        .withKind("User")
                        .withName(REQUESTER)
                        .endSubject()
                        .build())
                .serverSideApply();
        Config config = Config.fromKubeconfig(env.kubeconfig());
        config.setImpersonateUsername(REQUESTER);
        config.setImpersonateGroups("system:authenticated");
        requester = operator.closeAfterwards(
                new KubernetesClientBuilder().withConfig(config).build());

        clusterIssuer("csr-cluster-ca", policy(true));
        team = env.createNamespace("csr-team");
        teamIssuer(team, "team-ca");
        awaitReadyClusterIssuer("csr-cluster-ca");
    }

    private static IssuerPolicy policy(boolean allowCA) {
        IssuerPolicy policy = new IssuerPolicy();
        policy.setAllowCA(allowCA);
        return policy;
    }

    private static IssuerSpec spec(IssuerPolicy policy) {
        IssuerSpec spec = new IssuerSpec();
        spec.setVaultURL(LocalKeyVault.DEFAULT_URL);
        spec.setKeyName("csr-ca");
        spec.setPolicy(policy);
        return spec;
    }

    private static void clusterIssuer(String name, IssuerPolicy policy) {
        ClusterIssuer issuer = new ClusterIssuer();
        issuer.getMetadata().setName(name);
        issuer.setSpec(spec(policy));
        admin.resource(issuer).serverSideApply();
    }

    /** A namespaced Issuer on a client secret (LocalKeyVault accepts any credential). */
    private static void teamIssuer(String namespace, String name) {
        IssuerSpec spec = IssuerFixtures.servicePrincipalSpec(
                LocalKeyVault.DEFAULT_URL,
                "csr-ca",
                UUID.randomUUID().toString(),
                UUID.randomUUID().toString(),
                "sp");
        IssuerFixtures.putClientSecret(admin, namespace, "sp", "s3cret");
        Issuer issuer = new Issuer();
        issuer.getMetadata().setName(name);
        issuer.getMetadata().setNamespace(namespace);
        issuer.setSpec(spec);
        admin.resource(issuer).create();
        ClusterAssert.await(admin, Issuer.class, namespace, name, WAIT, ClusterAssert.isReady());
    }

    private static void awaitReadyClusterIssuer(String name) {
        ClusterAssert.await(admin, ClusterIssuer.class, null, name, WAIT, ClusterAssert.isReady());
    }

    private static CertificateSigningRequest request(
            String signerName,
            String csrPem,
            Map<String, String> annotations,
            Integer expirationSeconds,
            String... usages) {
        String name = "csr-" + UUID.randomUUID().toString().substring(0, 8);
        CertificateSigningRequest csr = new CertificateSigningRequestBuilder()
                .withNewMetadata()
                .withName(name)
                .withAnnotations(annotations)
                .endMetadata()
                .withNewSpec()
                .withRequest(Base64.getEncoder().encodeToString(csrPem.getBytes(StandardCharsets.US_ASCII)))
                .withSignerName(signerName)
                .withExpirationSeconds(expirationSeconds)
                .withUsages(
                        usages.length == 0
                                ? List.of("digital signature", "key encipherment", "server auth")
                                : List.of(usages))
                .endSpec()
                .build();
        return requester
                .certificates()
                .v1()
                .certificateSigningRequests()
                .resource(csr)
                .create();
    }

    private static String csr(String dns) {
        return CsrBuilder.forKey(TestKeyPairs.ec("P-256"))
                .subject("CN=" + dns)
                .dns(dns)
                .pem();
    }

    private static void approve(CertificateSigningRequest csr) {
        admin.certificates()
                .v1()
                .certificateSigningRequests()
                .withName(csr.getMetadata().getName())
                .approve();
    }

    private static CertificateSigningRequest await(
            CertificateSigningRequest csr, Predicate<CertificateSigningRequest> test) {
        return ClusterAssert.await(
                admin, CertificateSigningRequest.class, null, csr.getMetadata().getName(), WAIT, test);
    }

    private static boolean signed(CertificateSigningRequest csr) {
        return csr.getStatus() != null
                && csr.getStatus().getCertificate() != null
                && !csr.getStatus().getCertificate().isEmpty();
    }

    private static Optional<CertificateSigningRequestCondition> failed(CertificateSigningRequest csr) {
        return csr.getStatus() == null || csr.getStatus().getConditions() == null
                ? Optional.empty()
                : csr.getStatus().getConditions().stream()
                        .filter(c -> "Failed".equals(c.getType()))
                        .findFirst();
    }

    private static List<X509Certificate> chain(CertificateSigningRequest csr) {
        String pem =
                new String(Base64.getDecoder().decode(csr.getStatus().getCertificate()), StandardCharsets.US_ASCII);
        return Pem.decodeCertificates(pem, 1 << 20);
    }

    private static void assertChainsToRoot(List<X509Certificate> chain) throws Exception {
        ClusterAssert.assertChainsTo(chain, root);
    }

    @Test
    void anApprovedRequestForAClusterIssuerIsSignedAndVerifies() throws Exception {
        CertificateSigningRequest csr = request(
                "clusterissuers.azure-keyvault-issuer.dev/csr-cluster-ca", csr("mesh.example.com"), Map.of(), null);
        approve(csr);

        CertificateSigningRequest issued = await(csr, CertificateSigningRequestIT::signed);

        X509Certificate leaf = chain(issued).get(0);
        assertChainsToRoot(chain(issued));
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), leaf.getExtendedKeyUsage(), "server auth from spec.usages");
        assertEquals(
                Duration.ofDays(90),
                Duration.between(
                        leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant()),
                "cert-manager's default duration");
        assertFalse(failed(issued).isPresent());
        Path pem = Files.createTempFile("csr-leaf", ".pem");
        Files.writeString(
                pem,
                new String(Base64.getDecoder().decode(issued.getStatus().getCertificate()), StandardCharsets.US_ASCII));
        Path ca = Files.createTempFile("csr-root", ".pem");
        Files.writeString(ca, Pem.encode(root));
        String verified = OpensslCli.fromPath().check(List.of("verify", "-CAfile", ca.toString(), pem.toString()));
        assertTrue(verified.contains(": OK"), verified);
    }

    @Test
    void aDeniedRequestIsNeverSignedAndAnUnapprovedOneWaits() {
        CertificateSigningRequest denied = request(
                "clusterissuers.azure-keyvault-issuer.dev/csr-cluster-ca", csr("denied.example.com"), Map.of(), null);
        CertificateSigningRequest unapproved = request(
                "clusterissuers.azure-keyvault-issuer.dev/csr-cluster-ca", csr("waiting.example.com"), Map.of(), null);
        admin.certificates()
                .v1()
                .certificateSigningRequests()
                .withName(denied.getMetadata().getName())
                .deny();
        // A fence: a request approved after those two is signed, so the operator has seen them.
        CertificateSigningRequest fence = request(
                "clusterissuers.azure-keyvault-issuer.dev/csr-cluster-ca", csr("fence.example.com"), Map.of(), null);
        approve(fence);
        await(fence, CertificateSigningRequestIT::signed);

        for (CertificateSigningRequest csr : List.of(denied, unapproved)) {
            CertificateSigningRequest now = admin.certificates()
                    .v1()
                    .certificateSigningRequests()
                    .withName(csr.getMetadata().getName())
                    .get();
            assertFalse(signed(now), csr.getMetadata().getName());
            assertFalse(
                    failed(now).isPresent(),
                    "no Failed condition on " + csr.getMetadata().getName());
        }
    }

    @Test
    void aBadCsrFailsWithAReason() {
        // The API server checks a CSR's signature itself; a 1024-bit RSA key gets past it, but not past us.
        CertificateSigningRequest csr = request(
                "clusterissuers.azure-keyvault-issuer.dev/csr-cluster-ca",
                CsrBuilder.forKey(TestKeyPairs.rsa(1024))
                        .subject("CN=weak.example.com")
                        .dns("weak.example.com")
                        .pem(),
                Map.of(),
                null);
        approve(csr);

        CertificateSigningRequestCondition failed =
                failed(await(csr, r -> failed(r).isPresent())).orElseThrow();

        assertEquals("Failed", failed.getReason());
        assertTrue(
                failed.getMessage().startsWith("The CSR cannot be signed")
                        && failed.getMessage().contains("1024"),
                failed.getMessage());
    }

    @Test
    void durationsComeFromTheAnnotationOrExpirationSecondsAndTooShortFails() {
        CertificateSigningRequest annotated = request(
                "clusterissuers.azure-keyvault-issuer.dev/csr-cluster-ca",
                csr("annotated.example.com"),
                Map.of("experimental.cert-manager.io/request-duration", "1h30m"),
                7200);
        CertificateSigningRequest expiring = request(
                "clusterissuers.azure-keyvault-issuer.dev/csr-cluster-ca", csr("expiring.example.com"), Map.of(), 7200);
        CertificateSigningRequest tooShort = request(
                "clusterissuers.azure-keyvault-issuer.dev/csr-cluster-ca",
                csr("short.example.com"),
                Map.of("experimental.cert-manager.io/request-duration", "5m"),
                null);
        List.of(annotated, expiring, tooShort).forEach(CertificateSigningRequestIT::approve);

        X509Certificate a =
                chain(await(annotated, CertificateSigningRequestIT::signed)).get(0);
        X509Certificate e =
                chain(await(expiring, CertificateSigningRequestIT::signed)).get(0);
        CertificateSigningRequestCondition failed =
                failed(await(tooShort, r -> failed(r).isPresent())).orElseThrow();

        assertEquals(
                Duration.ofMinutes(90),
                Duration.between(a.getNotBefore().toInstant(), a.getNotAfter().toInstant()),
                "the annotation wins over expirationSeconds");
        assertEquals(
                Duration.ofHours(2),
                Duration.between(e.getNotBefore().toInstant(), e.getNotAfter().toInstant()));
        assertTrue(failed.getMessage().contains("minimum of 10 minutes"), failed.getMessage());
    }

    @Test
    void aCaRequestNeedsTheIssuersPolicy() throws Exception {
        clusterIssuer("csr-no-ca", policy(false));
        awaitReadyClusterIssuer("csr-no-ca");
        try {
            CertificateSigningRequest allowed = request(
                    "clusterissuers.azure-keyvault-issuer.dev/csr-cluster-ca",
                    csr("sub-ca.example.com"),
                    Map.of("experimental.cert-manager.io/request-is-ca", "true"),
                    null,
                    "digital signature",
                    "cert sign",
                    "crl sign");
            CertificateSigningRequest refused = request(
                    "clusterissuers.azure-keyvault-issuer.dev/csr-no-ca",
                    csr("no-sub-ca.example.com"),
                    Map.of("experimental.cert-manager.io/request-is-ca", "true"),
                    null,
                    "digital signature",
                    "cert sign",
                    "crl sign");
            approve(allowed);
            approve(refused);

            X509Certificate ca =
                    chain(await(allowed, CertificateSigningRequestIT::signed)).get(0);
            CertificateSigningRequestCondition failed =
                    failed(await(refused, r -> failed(r).isPresent())).orElseThrow();

            assertTrue(ca.getBasicConstraints() >= 0, "a CA certificate");
            assertChainsToRoot(chain(await(allowed, CertificateSigningRequestIT::signed)));
            assertTrue(failed.getMessage().contains("policy"), failed.getMessage());
        } finally {
            admin.resources(ClusterIssuer.class).withName("csr-no-ca").delete();
        }
    }

    @Test
    void aNamespacedSignerNeedsTheRequesterToBeAllowedToReferenceIt() {
        String signer = "issuers.azure-keyvault-issuer.dev/" + team + ".team-ca";
        CertificateSigningRequest withoutGrant = request(signer, csr("no-grant.example.com"), Map.of(), null);
        approve(withoutGrant);

        CertificateSigningRequestCondition denied =
                failed(await(withoutGrant, r -> failed(r).isPresent())).orElseThrow();
        assertEquals("DeniedReference", denied.getReason());
        assertTrue(
                denied.getMessage().contains(REQUESTER) && denied.getMessage().contains(team + "/team-ca"),
                denied.getMessage());

        // What the team's admin grants: reference on the team's signer (docs/certificate-signing-requests.md).
        admin.rbac()
                .roles()
                .inNamespace(team)
                .resource(new RoleBuilder()
                        .withNewMetadata()
                        .withName("csr-reference")
                        .endMetadata()
                        .withRules(new PolicyRuleBuilder()
                                .withApiGroups("azure-keyvault-issuer.dev")
                                .withResources("signers")
                                .withVerbs("reference")
                                .withResourceNames("team-ca")
                                .build())
                        .build())
                .serverSideApply();
        admin.rbac()
                .roleBindings()
                .inNamespace(team)
                .resource(new RoleBindingBuilder()
                        .withNewMetadata()
                        .withName("csr-reference")
                        .endMetadata()
                        .withNewRoleRef("rbac.authorization.k8s.io", "Role", "csr-reference")
                        .addNewSubject()
                        .withKind("User")
                        .withName(REQUESTER)
                        .endSubject()
                        .build())
                .serverSideApply();
        CertificateSigningRequest withGrant = request(signer, csr("grant.example.com"), Map.of(), null);
        approve(withGrant);

        CertificateSigningRequest issued = await(withGrant, CertificateSigningRequestIT::signed);
        assertNull(failed(issued).orElse(null));
    }
}
