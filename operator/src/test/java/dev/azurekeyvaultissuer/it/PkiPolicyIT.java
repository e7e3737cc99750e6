package dev.azurekeyvaultissuer.it;

import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.approve;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.condition;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.decode;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.readyReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.api.ApiGroup;
import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.api.Issuer;
import dev.azurekeyvaultissuer.api.IssuerPolicy;
import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.config.OperatorConfig;
import dev.azurekeyvaultissuer.controller.OperatorRuntime;
import dev.azurekeyvaultissuer.emulator.KeyType;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulator;
import dev.azurekeyvaultissuer.emulator.Permissions;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import dev.azurekeyvaultissuer.keyvault.azure.AzureVaultConnector;
import dev.azurekeyvaultissuer.pki.Pem;
import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.TestCertificates;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.certmanager.api.model.v1.CertificateRequestBuilder;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cert-manager v1.20's requests and the issuer policy on a real API server, with the operator in-process signing
 * through the Key Vault emulator: a leaf with otherName SANs and a sub-CA with name constraints, both checked with
 * {@code openssl x509 -text} and {@code openssl verify}; a CA request the policy refuses; an invalid policy; a
 * namespaced Issuer's CRL distribution points and authority information access in what it signs, and URLs refused
 * by the API server and by the operator.
 */
class PkiPolicyIT {

    private static final String VAULT = "pki-policy";
    private static final String SIGNER = "pki-signer";
    private static final String SIGNER_SECRET = "pki-signer-secret";
    private static final String ADMIN = "pki-admin";
    private static final String CREDENTIALS = "pki-signer-credentials";
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static KeyVaultEmulator emulator;
    private static KubernetesTestEnvironment env;
    private static KubernetesClient admin;
    private static OperatorRuntime operator;
    private static KubernetesClient operatorClient;
    private static OpensslCli openssl;
    private static X509Certificate root;

    @BeforeAll
    static void start() {
        openssl = OpensslCli.fromPath();
        emulator = KeyVaultEmulator.builder()
                .vault(VAULT)
                .clientSecret(
                        SIGNER, SIGNER_SECRET, Permissions.keys("get", "sign").withSecrets("get", "list"))
                .clientSecret(ADMIN, "admin-secret", Permissions.all())
                .build()
                .start();
        AzureVaultConnector connector =
                new AzureVaultConnector(EmulatedVaults.operatorOptions(emulator), Optional.empty());
        var bootstrap =
                connector.connect(new VaultCredentials.ClientSecret(emulator.tenantId(), ADMIN, "admin-secret"));
        EmulatedVaults.bootstrapRoot(emulator, bootstrap, VAULT, "ca", KeyType.EC_P256, "CN=PkiPolicyIT Root");

        env = KubernetesTestEnvironment.get();
        admin = env.admin();
        operatorClient = env.operatorClient();
        IssuerFixtures.putClientSecret(admin, KubernetesTestEnvironment.OPERATOR_NAMESPACE, CREDENTIALS, SIGNER_SECRET);
        OperatorConfig config = EmulatedVaults.operatorConfig(KubernetesTestEnvironment.OPERATOR_NAMESPACE)
                .withResyncInterval(Duration.ofSeconds(3));
        operator = OperatorRuntime.create(operatorClient, config, connector, Clock.systemUTC());
        operator.start();
    }

    @AfterAll
    static void stop() {
        // ClusterIssuers are cluster-wide: leave none behind for the next class's operator.
        if (admin != null) {
            admin.resources(ClusterIssuer.class).delete();
        }
        if (operator != null) {
            operator.close();
            operatorClient.close();
        }
        if (emulator != null) {
            emulator.close();
        }
    }

    private static ClusterIssuer clusterIssuer(String name, IssuerPolicy policy) {
        IssuerSpec spec = IssuerFixtures.servicePrincipalSpec(
                emulator.vaultUrl(VAULT), "ca", emulator.tenantId(), SIGNER, CREDENTIALS);
        spec.setPolicy(policy);
        ClusterIssuer issuer = new ClusterIssuer();
        issuer.getMetadata().setName(name);
        issuer.setSpec(spec);
        return admin.resource(issuer).create();
    }

    private static Optional<Condition> ready(ClusterIssuer issuer) {
        return issuer == null
                        || issuer.getStatus() == null
                        || issuer.getStatus().getConditions() == null
                ? Optional.empty()
                : issuer.getStatus().getConditions().stream()
                        .filter(c -> "Ready".equals(c.getType()))
                        .findFirst();
    }

    private static ClusterIssuer awaitIssuer(String name, String status) {
        return admin.resources(ClusterIssuer.class)
                .withName(name)
                .waitUntilCondition(
                        i -> ready(i).map(c -> status.equals(c.getStatus())).orElse(false),
                        WAIT.toSeconds(),
                        TimeUnit.SECONDS);
    }

    private static X509Certificate rootOf(ClusterIssuer issuer) {
        return Pem.decodeCertificates(issuer.getStatus().getCa(), 1 << 20).get(0);
    }

    private static void request(String ns, String name, String issuer, String csrPem, boolean isCA) {
        request(ns, name, ApiGroup.CLUSTER_ISSUER_KIND, issuer, csrPem, isCA);
    }

    private static void request(String ns, String name, String kind, String issuer, String csrPem, boolean isCA) {
        CertificateRequest request = new CertificateRequestBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(ns)
                .endMetadata()
                .withNewSpec()
                .withRequest(Base64.getEncoder().encodeToString(csrPem.getBytes(StandardCharsets.US_ASCII)))
                .withNewIssuerRef()
                .withGroup(ApiGroup.NAME)
                .withKind(kind)
                .withName(issuer)
                .endIssuerRef()
                .withIsCA(isCA)
                .withUsages("digital signature", "key encipherment")
                .endSpec()
                .build();
        admin.resource(request).create();
        approve(admin, ns, name);
    }

    private static CertificateRequest awaitFinal(String ns, String name) {
        return admin.resources(CertificateRequest.class)
                .inNamespace(ns)
                .withName(name)
                .waitUntilCondition(
                        r -> "Issued".equals(readyReason(r)) || "Failed".equals(readyReason(r)),
                        WAIT.toSeconds(),
                        TimeUnit.SECONDS);
    }

    private static List<X509Certificate> issued(CertificateRequest request) {
        assertEquals(
                "Issued",
                readyReason(request),
                () -> condition(request, "Ready").orElseThrow().getMessage());
        return Pem.decodeCertificates(decode(request.getStatus().getCertificate()), 1 << 20);
    }

    private static String text(Path dir, String name, X509Certificate certificate) throws Exception {
        Path file = Files.writeString(dir.resolve(name + ".pem"), Pem.encode(certificate));
        return openssl.check(List.of("x509", "-in", file.toString(), "-noout", "-text"));
    }

    /** {@code openssl verify -x509_strict}: the leaf against the root, with the certificates between. */
    private static OpensslCli.Result verify(Path dir, String name, X509Certificate leaf, List<X509Certificate> between)
            throws Exception {
        Path rootFile = Files.writeString(dir.resolve("root.pem"), Pem.encode(root));
        Path leafFile = Files.writeString(dir.resolve(name + ".pem"), Pem.encode(leaf));
        List<String> command = new ArrayList<>(List.of("verify", "-x509_strict", "-CAfile", rootFile.toString()));
        if (!between.isEmpty()) {
            command.addAll(List.of(
                    "-untrusted",
                    Files.writeString(dir.resolve(name + "-chain.pem"), Pem.encode(between))
                            .toString()));
        }
        command.add(leafFile.toString());
        return openssl.run(command);
    }

    @Test
    void otherNamesAndANameConstrainedSubCaAreIssuedAndOpensslAgrees(@TempDir Path dir) throws Exception {
        IssuerPolicy policy = new IssuerPolicy();
        policy.setAllowCA(true);
        policy.setMaxPathLen(1);
        root = rootOf(
                awaitIssuer(clusterIssuer("pki-open", policy).getMetadata().getName(), "True"));
        String ns = env.createNamespace("pki-open");

        // A leaf whose only names are otherNames (a UPN and an SmtpUTF8Mailbox), as cert-manager v1.20 sends them.
        String upnCsr = CsrBuilder.forKey(TestKeyPairs.fresh("P-256"))
                .subject("")
                .otherName("1.3.6.1.4.1.311.20.2.3", "alice@contoso.com")
                .otherName("1.3.6.1.5.5.7.8.9", "alice@contoso.com")
                .pem();
        request(ns, "upn", "pki-open", upnCsr, false);
        // A sub-CA asking for name constraints and no pathLen: the policy's maxPathLen 1 applies.
        KeyPair subCaKey = TestKeyPairs.fresh("P-256");
        String subCaCsr = CsrBuilder.forKey(subCaKey)
                .subject("CN=Shop Sub CA")
                .usages(List.of("digital signature", "key encipherment"), true)
                .basicConstraints(true)
                .nameConstraints(
                        List.of(new GeneralName(GeneralName.dNSName, "shop.example.com")),
                        List.of(new GeneralName(GeneralName.dNSName, "admin.shop.example.com")))
                .pem();
        request(ns, "sub-ca", "pki-open", subCaCsr, true);

        List<X509Certificate> upn = issued(awaitFinal(ns, "upn"));
        String upnText = text(dir, "upn", upn.get(0));
        assertTrue(upnText.contains("X509v3 Subject Alternative Name: critical"), upnText);
        assertTrue(upnText.contains("othername: UPN::alice@contoso.com"), upnText);
        assertTrue(upnText.contains("othername: SmtpUTF8Mailbox::alice@contoso.com"), upnText);
        OpensslCli.Result upnVerified = verify(dir, "upn", upn.get(0), upn.subList(1, upn.size()));
        assertEquals(0, upnVerified.exitCode(), upnVerified.output());

        List<X509Certificate> subCa = issued(awaitFinal(ns, "sub-ca"));
        String subCaText = text(dir, "sub-ca", subCa.get(0));
        assertTrue(subCaText.contains("CA:TRUE, pathlen:1"), subCaText);
        assertTrue(subCaText.contains("X509v3 Name Constraints: critical"), subCaText);
        assertTrue(
                subCaText.matches("(?s).*Permitted:\\s+DNS:shop\\.example\\.com\\s+Excluded:\\s+"
                        + "DNS:admin\\.shop\\.example\\.com.*"),
                subCaText);
        OpensslCli.Result subCaVerified = verify(dir, "sub-ca", subCa.get(0), subCa.subList(1, subCa.size()));
        assertEquals(0, subCaVerified.exitCode(), subCaVerified.output());

        // The constraints bind what the sub-CA signs, as openssl sees it.
        List<X509Certificate> below = new ArrayList<>(subCa);
        OpensslCli.Result inside =
                verify(dir, "inside", leafUnder(subCa.get(0), subCaKey, "web.shop.example.com"), below);
        assertEquals(0, inside.exitCode(), inside.output());
        OpensslCli.Result outside = verify(dir, "outside", leafUnder(subCa.get(0), subCaKey, "www.example.org"), below);
        assertFalse(outside.exitCode() == 0, outside.output());
        assertTrue(outside.output().contains("permitted subtree violation"), outside.output());
        OpensslCli.Result excluded =
                verify(dir, "excluded", leafUnder(subCa.get(0), subCaKey, "admin.shop.example.com"), below);
        assertTrue(excluded.output().contains("excluded subtree violation"), excluded.output());
    }

    private static X509Certificate leafUnder(X509Certificate ca, KeyPair caKey, String dnsName) {
        KeyPair leafKey = TestKeyPairs.fresh("P-256");
        return TestCertificates.builder("CN=" + dnsName, leafKey.getPublic())
                .issuedBy(ca, caKey.getPrivate())
                .ca(false)
                .keyUsage(null)
                .validity(
                        Instant.now().minus(Duration.ofMinutes(5)),
                        Instant.now().plus(Duration.ofDays(1)))
                .extension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(new GeneralName(GeneralName.dNSName, dnsName)))
                .build();
    }

    @Test
    void requestsOutsideThePolicyFailWithTheFieldInTheReason() {
        IssuerPolicy policy = new IssuerPolicy();
        policy.setAllowedDNSNames(List.of("*.shop.example.com"));
        clusterIssuer("pki-strict", policy);
        awaitIssuer("pki-strict", "True");
        String ns = env.createNamespace("pki-strict");

        request(
                ns,
                "sub-ca",
                "pki-strict",
                CsrBuilder.forKey(TestKeyPairs.fresh("P-256"))
                        .subject("CN=Rogue CA")
                        .pem(),
                true);
        request(
                ns,
                "elsewhere",
                "pki-strict",
                CsrBuilder.forKey(TestKeyPairs.fresh("P-256"))
                        .subject("CN=web")
                        .dns("web.bank.example.com")
                        .pem(),
                false);
        request(
                ns,
                "inside",
                "pki-strict",
                CsrBuilder.forKey(TestKeyPairs.fresh("P-256"))
                        .subject("CN=web")
                        .dns("web.shop.example.com")
                        .pem(),
                false);

        CertificateRequest subCa = awaitFinal(ns, "sub-ca");
        assertEquals("Failed", readyReason(subCa));
        assertNotNull(subCa.getStatus().getFailureTime());
        String subCaMessage = condition(subCa, "Ready").orElseThrow().getMessage();
        assertTrue(subCaMessage.startsWith("Refused by the issuer's policy: "), subCaMessage);
        assertTrue(subCaMessage.contains("isCA: true") && subCaMessage.contains("policy.allowCA"), subCaMessage);

        CertificateRequest elsewhere = awaitFinal(ns, "elsewhere");
        assertEquals("Failed", readyReason(elsewhere));
        String elsewhereMessage = condition(elsewhere, "Ready").orElseThrow().getMessage();
        assertTrue(
                elsewhereMessage.contains("\"web.bank.example.com\"")
                        && elsewhereMessage.contains("policy.allowedDNSNames [*.shop.example.com]"),
                elsewhereMessage);

        issued(awaitFinal(ns, "inside"));
    }

    @Test
    void aNamespacedIssuersUrlsAreWrittenIntoWhatItSigns() throws Exception {
        String ns = env.createNamespace("pki-urls");
        IssuerFixtures.putClientSecret(admin, ns, CREDENTIALS, SIGNER_SECRET);
        List<String> crl = List.of(
                "http://azure-keyvault-issuer.cert-manager.svc/crl/pki-urls/urls-ca", "https://pki.example.com/ca.crl");
        List<String> ocsp = List.of("http://ocsp.example.com");
        List<String> caIssuers = List.of("http://pki.example.com/ca.crt");
        IssuerSpec spec = IssuerFixtures.servicePrincipalSpec(
                emulator.vaultUrl(VAULT), "ca", emulator.tenantId(), SIGNER, CREDENTIALS);
        spec.setCrlDistributionPoints(crl);
        spec.setOcspServers(ocsp);
        spec.setIssuingCertificateURLs(caIssuers);
        Issuer issuer = new Issuer();
        issuer.getMetadata().setName("urls-ca");
        issuer.getMetadata().setNamespace(ns);
        issuer.setSpec(spec);
        admin.resource(issuer).create();
        ClusterAssert.await(admin, Issuer.class, ns, "urls-ca", ClusterAssert.isReady());

        request(
                ns,
                "web",
                ApiGroup.ISSUER_KIND,
                "urls-ca",
                CsrBuilder.forKey(TestKeyPairs.fresh("P-256"))
                        .subject("CN=web")
                        .dns("web.example.com")
                        .pem(),
                false);
        List<X509Certificate> chain = ClusterAssert.assertChainsToItsCa(ClusterAssert.issued(admin, ns, "web"));

        X509Certificate leaf = chain.get(0);
        assertFalse(leaf.getCriticalExtensionOIDs().contains(Extension.cRLDistributionPoints.getId()));
        assertFalse(leaf.getCriticalExtensionOIDs().contains(Extension.authorityInfoAccess.getId()));
        DistributionPoint[] points = CRLDistPoint.getInstance(JcaX509ExtensionUtils.parseExtensionValue(
                        leaf.getExtensionValue(Extension.cRLDistributionPoints.getId())))
                .getDistributionPoints();
        assertEquals(1, points.length);
        assertEquals(
                crl,
                uris(GeneralNames.getInstance(points[0].getDistributionPoint().getName())
                        .getNames()));
        AccessDescription[] access = AuthorityInformationAccess.getInstance(JcaX509ExtensionUtils.parseExtensionValue(
                        leaf.getExtensionValue(Extension.authorityInfoAccess.getId())))
                .getAccessDescriptions();
        assertEquals(2, access.length);
        assertEquals(AccessDescription.id_ad_ocsp, access[0].getAccessMethod());
        assertEquals(ocsp, uris(new GeneralName[] {access[0].getAccessLocation()}));
        assertEquals(AccessDescription.id_ad_caIssuers, access[1].getAccessMethod());
        assertEquals(caIssuers, uris(new GeneralName[] {access[1].getAccessLocation()}));
    }

    private static List<String> uris(GeneralName[] names) {
        List<String> uris = new ArrayList<>();
        for (GeneralName name : names) {
            assertEquals(GeneralName.uniformResourceIdentifier, name.getTagNo());
            uris.add(DERIA5String.getInstance(name.getName()).getString());
        }
        return uris;
    }

    @Test
    void theApiServerRefusesANonHttpUrlAndTheOperatorOneThatIsNoUrl() {
        IssuerSpec ldap = IssuerFixtures.servicePrincipalSpec(
                emulator.vaultUrl(VAULT), "ca", emulator.tenantId(), SIGNER, CREDENTIALS);
        ldap.setCrlDistributionPoints(List.of("ldap://ldap.example.com/cn=CA?certificateRevocationList"));
        ClusterIssuer refused = new ClusterIssuer();
        refused.getMetadata().setName("pki-ldap");
        refused.setSpec(ldap);

        KubernetesClientException e = assertThrows(
                KubernetesClientException.class, () -> admin.resource(refused).create());
        assertEquals(422, e.getCode(), e.getMessage());
        assertTrue(e.getMessage().contains("spec.crlDistributionPoints[0]"), e.getMessage());

        // A malformed percent escape passes the CRD's pattern; the operator's own check names it.
        IssuerSpec malformed = IssuerFixtures.servicePrincipalSpec(
                emulator.vaultUrl(VAULT), "ca", emulator.tenantId(), SIGNER, CREDENTIALS);
        malformed.setOcspServers(List.of("http://ocsp.example.com/%zz"));
        ClusterIssuer invalid = new ClusterIssuer();
        invalid.getMetadata().setName("pki-bad-url");
        invalid.setSpec(malformed);
        admin.resource(invalid).create();

        Condition notReady = ready(awaitIssuer("pki-bad-url", "False")).orElseThrow();
        assertEquals("InvalidSpec", notReady.getReason());
        assertTrue(notReady.getMessage().contains("ocspServers[0]"), notReady.getMessage());
    }

    @Test
    void anInvalidPolicyMakesTheIssuerNotReadyWithInvalidSpec() {
        IssuerPolicy policy = new IssuerPolicy();
        policy.setAllowedIPRanges(List.of("10.0.0.1/8"));
        clusterIssuer("pki-invalid", policy);

        Condition notReady = ready(awaitIssuer("pki-invalid", "False")).orElseThrow();

        assertEquals("InvalidSpec", notReady.getReason());
        assertTrue(
                notReady.getMessage().contains("policy.allowedIPRanges")
                        && notReady.getMessage().contains("host bits"),
                notReady.getMessage());
    }
}
