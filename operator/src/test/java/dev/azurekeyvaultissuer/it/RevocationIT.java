package dev.azurekeyvaultissuer.it;

import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.approve;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.decode;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.readyReason;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.api.ApiGroup;
import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.api.IssuerRevocation;
import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.cli.RevocationServer;
import dev.azurekeyvaultissuer.cli.RevokeCommand;
import dev.azurekeyvaultissuer.config.OperatorConfig;
import dev.azurekeyvaultissuer.controller.OperatorRuntime;
import dev.azurekeyvaultissuer.emulator.KeyType;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulator;
import dev.azurekeyvaultissuer.emulator.Permissions;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SecretReference;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import dev.azurekeyvaultissuer.keyvault.azure.AzureVaultConnector;
import dev.azurekeyvaultissuer.pki.CertificateRevocationList;
import dev.azurekeyvaultissuer.pki.Pem;
import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Revocation end to end on a real API server, with the operator in-process, its CRL server on loopback, and the Key
 * Vault emulator behind the real Azure SDK: revoking by request annotation and by serial number (the {@code revoke}
 * command), {@code openssl crl -verify} and {@code openssl verify -crl_check} against the CA, one signature for a
 * burst of revocations, a CRL signed again before its nextUpdate, the served list equal to the vault's copy, and the
 * revocations kept across an operator restart and a new control plane with the same vault.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RevocationIT {

    private static final String VAULT = "revocation";
    private static final String SIGNER = "crl-signer";
    private static final String SIGNER_SECRET = "crl-signer-secret";
    private static final String ADMIN = "crl-admin";
    private static final String ADMIN_SECRET = "crl-admin-secret";
    private static final String CREDENTIALS = "crl-signer-credentials";
    private static final String ISSUER = "revoking-ca";
    private static final String SHORT_ISSUER = "short-crl-ca";
    private static final String NS = "revocation-it";
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static KeyVaultEmulator emulator;
    private static KeyVault adminVault;
    private static KubernetesTestEnvironment env;
    private static KubernetesClient admin;
    private static OperatorRuntime operator;
    private static KubernetesClient operatorClient;
    private static RevocationServer crlServer;
    private static OpensslCli openssl;
    private static AzureVaultConnector connector;
    private static X509Certificate root;
    private static Path dir;

    @BeforeAll
    static void start(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        openssl = OpensslCli.fromPath();
        emulator = KeyVaultEmulator.builder()
                .vault(VAULT)
                .clientSecret(
                        SIGNER, SIGNER_SECRET, Permissions.keys("get", "sign").withSecrets("get", "list", "set"))
                .clientSecret(ADMIN, ADMIN_SECRET, Permissions.all())
                .build()
                .start();
        connector = new AzureVaultConnector(EmulatedVaults.operatorOptions(emulator), Optional.empty());
        adminVault = connector.connect(new VaultCredentials.ClientSecret(emulator.tenantId(), ADMIN, ADMIN_SECRET));
        EmulatedVaults.bootstrapRoot(emulator, adminVault, VAULT, "ca", KeyType.EC_P256, "CN=RevocationIT Root");
        root = Pem.decodeCertificates(adminVault.getSecret(SecretReference.of(emulator.vaultUrl(VAULT), "ca")), 1 << 20)
                .get(0);

        env = KubernetesTestEnvironment.get();
        admin = env.admin();
        env.ensureNamespace(NS);
        IssuerFixtures.putClientSecret(admin, KubernetesTestEnvironment.OPERATOR_NAMESPACE, CREDENTIALS, SIGNER_SECRET);
        startOperator(env);
        clusterIssuer(admin, ISSUER, revocation(null, null, null));
        clusterIssuer(admin, SHORT_ISSUER, revocation("ca-crl-short", "1m", "45s"));
    }

    private static void startOperator(KubernetesTestEnvironment on) throws Exception {
        operatorClient = on.operatorClient();
        OperatorConfig config = EmulatedVaults.operatorConfig(KubernetesTestEnvironment.OPERATOR_NAMESPACE)
                .withResyncInterval(Duration.ofMinutes(5))
                .withCrlBatchDelay(Duration.ofSeconds(2));
        operator = OperatorRuntime.create(operatorClient, config, connector, Clock.systemUTC());
        operator.start();
        crlServer = RevocationServer.start("127.0.0.1", 0, operator.revocationPublications(), Clock.systemUTC());
    }

    private static void stopOperator() {
        crlServer.close();
        operator.close();
        operatorClient.close();
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.resources(ClusterIssuer.class).delete();
        }
        if (operator != null) {
            stopOperator();
        }
        if (emulator != null) {
            emulator.close();
        }
    }

    private static IssuerRevocation revocation(String secretName, String validity, String refreshBefore) {
        IssuerRevocation revocation = new IssuerRevocation();
        revocation.setSecretName(secretName);
        revocation.setCrlValidity(validity);
        revocation.setCrlRefreshBefore(refreshBefore);
        return revocation;
    }

    private static void clusterIssuer(KubernetesClient client, String name, IssuerRevocation revocation) {
        IssuerSpec spec = IssuerFixtures.servicePrincipalSpec(
                emulator.vaultUrl(VAULT), "ca", emulator.tenantId(), SIGNER, CREDENTIALS);
        spec.setRevocation(revocation);
        ClusterIssuer issuer = new ClusterIssuer();
        issuer.getMetadata().setName(name);
        issuer.setSpec(spec);
        client.resource(issuer).create();
    }

    /** The issuer once its CRL is published, with the CRL number above {@code after}. */
    private static ClusterIssuer awaitCrl(KubernetesClient client, String name, BigInteger after) {
        return client.resources(ClusterIssuer.class)
                .withName(name)
                .waitUntilCondition(
                        i -> i != null
                                && i.getStatus() != null
                                && i.getStatus().getCrl() != null
                                && new BigInteger(i.getStatus().getCrl().getNumber()).compareTo(after) > 0,
                        WAIT.toSeconds(),
                        TimeUnit.SECONDS);
    }

    private static CertificateRequest issue(String name) {
        String csr = CsrBuilder.forKey(TestKeyPairs.fresh("P-256"))
                .subject("CN=" + name)
                .dns(name + ".example.com")
                .pem();
        CertificateRequestFixtures.create(admin, NS, name, ApiGroup.CLUSTER_ISSUER_KIND, ISSUER, csr);
        approve(admin, NS, name);
        CertificateRequest issued = admin.resources(CertificateRequest.class)
                .inNamespace(NS)
                .withName(name)
                .waitUntilCondition(r -> "Issued".equals(readyReason(r)), WAIT.toSeconds(), TimeUnit.SECONDS);
        return issued;
    }

    private static X509Certificate leafOf(CertificateRequest request) {
        return Pem.decodeCertificates(decode(request.getStatus().getCertificate()), 1 << 20)
                .get(0);
    }

    private static void annotate(String name, String reason) {
        admin.resources(CertificateRequest.class).inNamespace(NS).withName(name).edit(r -> {
            Map<String, String> annotations = r.getMetadata().getAnnotations() == null
                    ? new java.util.HashMap<>()
                    : new java.util.HashMap<>(r.getMetadata().getAnnotations());
            annotations.put("azure-keyvault-issuer.dev/revoke", reason);
            r.getMetadata().setAnnotations(annotations);
            return r;
        });
    }

    private static String awaitOutcome(String name) {
        return admin.resources(CertificateRequest.class)
                .inNamespace(NS)
                .withName(name)
                .waitUntilCondition(
                        r -> r.getMetadata().getAnnotations() != null
                                && r.getMetadata().getAnnotations().containsKey("azure-keyvault-issuer.dev/revocation"),
                        WAIT.toSeconds(),
                        TimeUnit.SECONDS)
                .getMetadata()
                .getAnnotations()
                .get("azure-keyvault-issuer.dev/revocation");
    }

    /** GET of the ClusterIssuer's CRL from the operator's revocation server. */
    private static HttpResponse<byte[]> fetchCrl(String issuer) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + crlServer.port()
                                        + "/crl/clusterissuers/" + issuer + ".crl"))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
    }

    private static byte[] served(String issuer) throws Exception {
        HttpResponse<byte[]> response = fetchCrl(issuer);
        assertEquals(200, response.statusCode());
        return response.body();
    }

    /** The served CRL once the operator (just started) has published one. */
    private static byte[] awaitServed(String issuer) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            HttpResponse<byte[]> response = fetchCrl(issuer);
            if (response.statusCode() == 200) {
                return response.body();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no CRL served for " + issuer + " within " + WAIT);
            }
            Thread.sleep(200);
        }
    }

    private static CertificateRevocationList inVault(String secretName) {
        return CertificateRevocationList.fromPem(
                adminVault.getSecret(SecretReference.of(emulator.vaultUrl(VAULT), secretName)));
    }

    private static Path write(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }

    /** {@code openssl ocsp}: asks the operator's responder about the leaf and verifies the answer against the root. */
    private static OpensslCli.Result ocsp(X509Certificate leaf, String name, String url) throws Exception {
        Path rootFile = write("root.pem", Pem.encode(root));
        Path leafFile = write(name + ".pem", Pem.encode(leaf));
        return openssl.run(List.of(
                "ocsp",
                "-issuer",
                rootFile.toString(),
                "-cert",
                leafFile.toString(),
                "-url",
                url,
                "-CAfile",
                rootFile.toString()));
    }

    /** {@code openssl verify -crl_check}: the leaf against the root and the served CRL. */
    private static OpensslCli.Result verifyWithCrl(X509Certificate leaf, byte[] crlDer, String name) throws Exception {
        Path rootFile = write("root.pem", Pem.encode(root));
        Path crlFile = write(name + "-crl.pem", Pem.encode(CertificateRevocationList.PEM_LABEL, crlDer));
        Path leafFile = write(name + ".pem", Pem.encode(leaf));
        return openssl.run(List.of(
                "verify",
                "-crl_check",
                "-CAfile",
                rootFile.toString(),
                "-CRLfile",
                crlFile.toString(),
                leafFile.toString()));
    }

    @Test
    @Order(1)
    void aRevokedRequestIsOnTheServedCrlAndOpensslRefusesItsCertificate() throws Exception {
        awaitCrl(admin, ISSUER, BigInteger.ZERO);
        CertificateRequest revoked = issue("revoked-app");
        CertificateRequest kept = issue("kept-app");

        annotate("revoked-app", "keyCompromise");
        String outcome = awaitOutcome("revoked-app");

        assertTrue(outcome.startsWith("Revoked in CRL "), outcome);
        byte[] crl = served(ISSUER);
        Path crlFile = write("served.crl.pem", Pem.encode(CertificateRevocationList.PEM_LABEL, crl));
        OpensslCli.Result crlCheck = openssl.run(List.of(
                "crl",
                "-verify",
                "-noout",
                "-CAfile",
                write("root.pem", Pem.encode(root)).toString(),
                "-in",
                crlFile.toString()));
        assertEquals(0, crlCheck.exitCode(), crlCheck.output());
        assertTrue(crlCheck.output().contains("verify OK"), crlCheck.output());

        OpensslCli.Result refused = verifyWithCrl(leafOf(revoked), crl, "revoked");
        assertNotEquals(0, refused.exitCode(), refused.output());
        assertTrue(refused.output().contains("certificate revoked"), refused.output());
        OpensslCli.Result accepted = verifyWithCrl(leafOf(kept), crl, "kept");
        assertEquals(0, accepted.exitCode(), accepted.output());

        assertArrayEquals(inVault("ca-crl").der(), crl, "the served CRL is the vault's copy");

        // The same state over OCSP, from the delegated responder the vault key certified.
        String ocspUrl = "http://127.0.0.1:" + crlServer.port() + "/ocsp/clusterissuers/" + ISSUER;
        OpensslCli.Result ocspRevoked = ocsp(leafOf(revoked), "revoked", ocspUrl);
        assertEquals(0, ocspRevoked.exitCode(), ocspRevoked.output());
        assertTrue(ocspRevoked.output().contains("Response verify OK"), ocspRevoked.output());
        assertTrue(ocspRevoked.output().contains("revoked.pem: revoked"), ocspRevoked.output());
        assertTrue(ocspRevoked.output().contains("Reason: keyCompromise"), ocspRevoked.output());
        OpensslCli.Result ocspGood = ocsp(leafOf(kept), "kept", ocspUrl);
        assertTrue(ocspGood.output().contains("kept.pem: good"), ocspGood.output());
        // The issuer's status shows the new list once it is stored.
        ClusterIssuer issuer = admin.resources(ClusterIssuer.class)
                .withName(ISSUER)
                .waitUntilCondition(
                        i -> Integer.valueOf(1).equals(i.getStatus().getCrl().getRevokedCertificates()),
                        WAIT.toSeconds(),
                        TimeUnit.SECONDS);
        assertEquals(
                inVault("ca-crl").number().toString(),
                issuer.getStatus().getCrl().getNumber());
        assertEquals(
                "/ocsp/clusterissuers/" + ISSUER, issuer.getStatus().getCrl().getOcspPath());
        assertEquals(
                "/crl/clusterissuers/" + ISSUER + ".crl",
                issuer.getStatus().getCrl().getPath());
        assertEquals(
                "True",
                issuer.getStatus().getConditions().stream()
                        .filter(c -> c.getType().equals("CRLPublished"))
                        .findFirst()
                        .orElseThrow()
                        .getStatus());
        // Revoking deletes nothing: the request and its certificate stay.
        assertEquals(
                "Issued",
                readyReason(admin.resources(CertificateRequest.class)
                        .inNamespace(NS)
                        .withName("revoked-app")
                        .get()));
    }

    @Test
    @Order(2)
    void revocationsInQuickSuccessionCostOneSignature() throws Exception {
        issue("burst-a");
        issue("burst-b");
        BigInteger before = inVault("ca-crl").number();
        emulator.resetCalls(VAULT);

        annotate("burst-a", "superseded");
        annotate("burst-b", "cessationOfOperation");
        String a = awaitOutcome("burst-a");
        String b = awaitOutcome("burst-b");

        assertEquals(1, emulator.calls(VAULT, "sign"), "two revocations, one CRL signature: " + a + " / " + b);
        CertificateRevocationList crl = inVault("ca-crl");
        assertEquals(before.add(BigInteger.ONE), crl.number());
        assertEquals(3, crl.entries().size());
        assertTrue(a.contains("CRL " + crl.number()) && b.contains("CRL " + crl.number()), a + " / " + b);
    }

    @Test
    @Order(3)
    void aRequestForAnotherKeysCertificateIsRefused() {
        CertificateRequest other = issue("honest-app");
        String csr = CsrBuilder.forKey(TestKeyPairs.fresh("P-256"))
                .subject("CN=thief")
                .pem();
        CertificateRequestFixtures.create(admin, NS, "thief", ApiGroup.CLUSTER_ISSUER_KIND, ISSUER, csr);
        approve(admin, NS, "thief");
        admin.resources(CertificateRequest.class)
                .inNamespace(NS)
                .withName("thief")
                .waitUntilCondition(r -> "Issued".equals(readyReason(r)), WAIT.toSeconds(), TimeUnit.SECONDS);
        // A tenant who may write the request's status puts another team's (public) certificate into it.
        CertificateRequest thief = admin.resources(CertificateRequest.class)
                .inNamespace(NS)
                .withName("thief")
                .get();
        thief.getStatus().setCertificate(other.getStatus().getCertificate());
        thief.getMetadata().setManagedFields(null);
        admin.resource(thief).updateStatus();

        annotate("thief", "keyCompromise");
        String outcome = awaitOutcome("thief");

        assertTrue(outcome.startsWith("Refused:"), outcome);
        assertTrue(inVault("ca-crl").entry(leafOf(other).getSerialNumber()).isEmpty());
    }

    @Test
    @Order(4)
    void theRevokeCommandRevokesBySerialWhenTheRequestIsGone() throws Exception {
        CertificateRequest gone = issue("gone-app");
        BigInteger serial = leafOf(gone).getSerialNumber();
        admin.resource(gone).delete();

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(new RevokeCommand(
                Map.of(
                        "AZURE_TENANT_ID", emulator.tenantId(),
                        "AZURE_CLIENT_ID", ADMIN,
                        "AZURE_CLIENT_SECRET", ADMIN_SECRET),
                Clock.systemUTC()));
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        int exit = command.execute(
                "--vault-url",
                emulator.vaultUrl(VAULT),
                "--key-name",
                "ca",
                "--serial",
                serial.toString(16),
                "--reason",
                "affiliationChanged",
                "--azure-authority-host",
                emulator.authorityHost(),
                "--azure-trust-store",
                emulator.trustStorePath().toString(),
                "--azure-trust-store-password",
                emulator.trustStorePassword(),
                "--azure-disable-challenge-resource-verification");

        assertEquals(0, exit, out + "\n" + err);
        assertTrue(out.toString().contains("revoked " + serial.toString(16).toUpperCase()), out.toString());
        assertTrue(inVault("ca-crl").entry(serial).isPresent(), "stored in the vault's CRL");
        assertEquals(4, inVault("ca-crl").entries().size(), "the operator's revocations are kept");
    }

    @Test
    @Order(5)
    void aKubernetesCertificateSigningRequestIsRevokedByAnnotationToo() {
        String name = "revocation-it-csr";
        String pem = CsrBuilder.forKey(TestKeyPairs.fresh("P-256"))
                .subject("CN=mesh-workload")
                .dns("mesh-workload.example.com")
                .pem();
        CertificateSigningRequest csr = new CertificateSigningRequestBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withSignerName("clusterissuers.azure-keyvault-issuer.dev/" + ISSUER)
                .withRequest(Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII)))
                .withUsages("digital signature", "key encipherment", "client auth")
                .endSpec()
                .build();
        var csrs = admin.certificates().v1().certificateSigningRequests();
        csrs.resource(csr).create();
        csrs.withName(name).approve();
        CertificateSigningRequest signed = csrs.withName(name)
                .waitUntilCondition(
                        c -> c.getStatus() != null
                                && c.getStatus().getCertificate() != null
                                && !c.getStatus().getCertificate().isEmpty(),
                        WAIT.toSeconds(),
                        TimeUnit.SECONDS);
        BigInteger serial = Pem.decodeCertificates(decode(signed.getStatus().getCertificate()), 1 << 20)
                .get(0)
                .getSerialNumber();
        try {
            csrs.withName(name).edit(c -> {
                c.getMetadata().setAnnotations(Map.of("azure-keyvault-issuer.dev/revoke", "superseded"));
                return c;
            });
            String outcome = csrs.withName(name)
                    .waitUntilCondition(
                            c -> c.getMetadata().getAnnotations() != null
                                    && c.getMetadata()
                                            .getAnnotations()
                                            .containsKey("azure-keyvault-issuer.dev/revocation"),
                            WAIT.toSeconds(),
                            TimeUnit.SECONDS)
                    .getMetadata()
                    .getAnnotations()
                    .get("azure-keyvault-issuer.dev/revocation");

            assertTrue(outcome.startsWith("Revoked in CRL "), outcome);
            assertTrue(inVault("ca-crl").entry(serial).isPresent(), "the CSR's certificate is on the CRL");
            assertEquals(5, inVault("ca-crl").entries().size());
        } finally {
            csrs.withName(name).delete();
        }
    }

    @Test
    @Order(6)
    void aShortLivedCrlIsSignedAgainBeforeItsNextUpdate() {
        ClusterIssuer first = awaitCrl(admin, SHORT_ISSUER, BigInteger.ZERO);
        BigInteger number = new BigInteger(first.getStatus().getCrl().getNumber());
        String nextUpdate = first.getStatus().getCrl().getNextUpdate();

        ClusterIssuer again = awaitCrl(admin, SHORT_ISSUER, number);

        assertTrue(
                java.time.Instant.parse(again.getStatus().getCrl().getThisUpdate())
                        .isBefore(java.time.Instant.parse(nextUpdate)),
                "signed again before the old list's nextUpdate " + nextUpdate);
    }

    @Test
    @Order(7)
    void revocationsSurviveAnOperatorRestartAndANewControlPlane() throws Exception {
        BigInteger serial = leafOf(admin.resources(CertificateRequest.class)
                        .inNamespace(NS)
                        .withName("revoked-app")
                        .get())
                .getSerialNumber();
        stopOperator();
        startOperator(env);
        assertTrue(
                CertificateRevocationList.fromDer(awaitServed(ISSUER))
                        .entry(serial)
                        .isPresent(),
                "after a restart");
        stopOperator();

        // The cluster is lost; a new control plane with the same vault and the same issuer.
        try (KubernetesTestEnvironment fresh = KubernetesTestEnvironment.separate(env.certManagerCrds())) {
            IssuerFixtures.putClientSecret(
                    fresh.admin(), KubernetesTestEnvironment.OPERATOR_NAMESPACE, CREDENTIALS, SIGNER_SECRET);
            startOperator(fresh);
            try {
                clusterIssuer(fresh.admin(), ISSUER, revocation(null, null, null));
                ClusterIssuer rebuilt = awaitCrl(fresh.admin(), ISSUER, BigInteger.ZERO);
                CertificateRevocationList crl = CertificateRevocationList.fromDer(awaitServed(ISSUER));
                assertTrue(crl.entry(serial).isPresent(), "the revocation is in the new cluster's CRL");
                assertEquals(5, crl.entries().size());
                assertEquals(5, rebuilt.getStatus().getCrl().getRevokedCertificates());
            } finally {
                fresh.admin().resources(ClusterIssuer.class).delete();
                stopOperator();
            }
        }
        startOperator(env); // for @AfterAll
    }
}
