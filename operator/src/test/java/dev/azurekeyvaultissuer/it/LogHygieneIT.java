package dev.azurekeyvaultissuer.it;

import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.approve;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.create;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.decode;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.readyReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.controller.OperatorRuntime;
import dev.azurekeyvaultissuer.emulator.KeyType;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulator;
import dev.azurekeyvaultissuer.emulator.Permissions;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import dev.azurekeyvaultissuer.keyvault.azure.AzureClientOptions;
import dev.azurekeyvaultissuer.keyvault.azure.AzureVaultConnector;
import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What the operator writes to its log while it works with secrets: a client secret read from a Kubernetes Secret,
 * Entra ID tokens, CSRs and certificates. The shipped logback.xml is in force, with the operator's own loggers
 * turned up to DEBUG; none of those values may appear in any line or stack trace, and each request decision is
 * exactly one line that names the request (through JOSDK's MDC).
 */
class LogHygieneIT {

    private static final String VAULT = "log-hygiene";
    private static final String SIGNER = "log-app";
    private static final String SIGNER_SECRET = "log-app-Secret-Value-0123456789";
    private static final String WRONG_SECRET = "wrong-Secret-Value-9876543210";
    private static final String ADMIN = "log-admin";
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static final ListAppender<ILoggingEvent> LOG = new ListAppender<>();
    private static Level operatorLevel;
    private static KeyVaultEmulator emulator;
    private static KubernetesClient admin;
    private static KubernetesClient operatorClient;
    private static OperatorRuntime operator;
    private static String vaultUrl;

    @BeforeAll
    static void start() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger ours = (Logger) LoggerFactory.getLogger("dev.azurekeyvaultissuer");
        operatorLevel = ours.getLevel();
        ours.setLevel(Level.DEBUG);
        LOG.start();
        root.addAppender(LOG);

        emulator = KeyVaultEmulator.builder()
                .vault(VAULT)
                .clientSecret(
                        SIGNER, SIGNER_SECRET, Permissions.keys("get", "sign").withSecrets("get"))
                .clientSecret(ADMIN, "log-admin-secret", Permissions.all())
                .build()
                .start();
        vaultUrl = emulator.vaultUrl(VAULT);
        AzureClientOptions options = EmulatedVaults.operatorOptions(emulator);
        AzureVaultConnector connector = new AzureVaultConnector(options, Optional.empty());
        KeyVault bootstrap =
                connector.connect(new VaultCredentials.ClientSecret(emulator.tenantId(), ADMIN, "log-admin-secret"));
        EmulatedVaults.bootstrapRoot(emulator, bootstrap, VAULT, "ca", KeyType.EC_P256, "CN=log hygiene root");

        KubernetesTestEnvironment env = KubernetesTestEnvironment.get();
        admin = env.admin();
        operatorClient = env.operatorClient();
        operator = OperatorRuntime.create(
                operatorClient,
                EmulatedVaults.operatorConfig(KubernetesTestEnvironment.OPERATOR_NAMESPACE)
                        .withResyncInterval(Duration.ofSeconds(3)),
                connector,
                Clock.systemUTC());
        operator.start();
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.resources(ClusterIssuer.class).withName("log-ca").delete();
            admin.resources(ClusterIssuer.class).withName("log-wrong-ca").delete();
        }
        if (operator != null) {
            operator.close();
            operatorClient.close();
        }
        if (emulator != null) {
            emulator.close();
        }
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(LOG);
        ((Logger) LoggerFactory.getLogger("dev.azurekeyvaultissuer")).setLevel(operatorLevel);
    }

    private static void clusterIssuer(String name, String credentialsSecret, String secretValue) {
        IssuerFixtures.putClientSecret(
                admin, KubernetesTestEnvironment.OPERATOR_NAMESPACE, credentialsSecret, secretValue);
        ClusterIssuer issuer = new ClusterIssuer();
        issuer.getMetadata().setName(name);
        issuer.setSpec(
                IssuerFixtures.servicePrincipalSpec(vaultUrl, "ca", emulator.tenantId(), SIGNER, credentialsSecret));
        admin.resource(issuer).create();
    }

    private static CertificateRequest awaitReason(String namespace, String name, String reason) {
        return admin.resources(CertificateRequest.class)
                .inNamespace(namespace)
                .withName(name)
                .waitUntilCondition(
                        r -> r != null && reason.equals(readyReason(r)), WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Every line as written, with its MDC and every message of its stack trace. */
    private static List<String> loggedText() {
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent event : List.copyOf(LOG.list)) {
            StringBuilder line =
                    new StringBuilder(event.getFormattedMessage()).append(' ').append(event.getMDCPropertyMap());
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                line.append(' ').append(t.getClassName()).append(": ").append(t.getMessage());
            }
            lines.add(line.toString());
        }
        return lines;
    }

    @Test
    void secretsTokensCsrsAndCertificatesNeverReachTheLog() throws InterruptedException {
        clusterIssuer("log-ca", "log-credentials", SIGNER_SECRET);
        clusterIssuer("log-wrong-ca", "log-wrong-credentials", WRONG_SECRET);
        admin.resources(ClusterIssuer.class)
                .withName("log-ca")
                .waitUntilCondition(
                        i -> i != null && i.getStatus() != null && i.getStatus().getKeyID() != null,
                        WAIT.toSeconds(),
                        TimeUnit.SECONDS);
        admin.resources(ClusterIssuer.class)
                .withName("log-wrong-ca")
                .waitUntilCondition(
                        i -> i != null
                                && i.getStatus() != null
                                && i.getStatus().getConditions() != null
                                && i.getStatus().getConditions().stream()
                                        .anyMatch(c -> "Unauthenticated".equals(c.getReason())),
                        WAIT.toSeconds(),
                        TimeUnit.SECONDS);
        String ns = KubernetesTestEnvironment.get().createNamespace("log-hygiene");
        String csr = CsrBuilder.forKey(TestKeyPairs.rsa(2048))
                .subject("CN=logged")
                .dns("logged.example.com")
                .pem();
        create(admin, ns, "logged", "ClusterIssuer", "log-ca", csr);
        approve(admin, ns, "logged");
        create(admin, ns, "tampered", "ClusterIssuer", "log-ca", tampered(csr));
        approve(admin, ns, "tampered");
        CertificateRequest issued = awaitReason(ns, "logged", "Issued");
        awaitReason(ns, "tampered", "Failed");
        // The operator logs its decision right after the status write that the watch above saw: wait for the lines.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while ((decisions(loggedText(), "logged", "decision=issued") == 0
                        || decisions(loggedText(), "tampered", "decision=failed") == 0)
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }

        List<String> lines = loggedText();
        String certificate = decode(issued.getStatus().getCertificate());
        List<String> forbidden = List.of(
                SIGNER_SECRET,
                WRONG_SECRET,
                "-----BEGIN",
                "PRIVATE KEY",
                pemBody(csr),
                pemBody(certificate),
                base64(csr),
                issued.getSpec().getRequest());
        for (String line : lines) {
            for (String secret : forbidden) {
                assertFalse(line.contains(secret), "the log holds " + abbreviate(secret) + ": " + line);
            }
            // A JWT (Entra ID's access tokens, ServiceAccount tokens) starts with a base64url '{"'.
            assertFalse(line.matches("(?s).*eyJ[A-Za-z0-9_-]{10,}\\.eyJ.*"), "the log holds a token: " + line);
        }
        assertEquals(1, decisions(lines, "logged", "decision=issued"), "one line for the issued request");
        assertEquals(1, decisions(lines, "tampered", "decision=failed"), "one line for the failed request");
        assertTrue(lines.stream().anyMatch(l -> l.contains("reason=Unauthenticated")), "the refused issuer is logged");
    }

    private static long decisions(List<String> lines, String requestName, String decision) {
        return lines.stream()
                .filter(l -> l.contains(decision)
                        && (l.contains("resource.name=" + requestName + ",")
                                || l.contains("resource.name=" + requestName + "}")))
                .count();
    }

    /** The same CSR with one byte of its signature changed: it parses, but does not verify. */
    private static String tampered(String csrPem) {
        byte[] der = Base64.getMimeDecoder().decode(pemBody(csrPem));
        der[der.length - 5] ^= 0x01;
        return "-----BEGIN CERTIFICATE REQUEST-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END CERTIFICATE REQUEST-----\n";
    }

    /** The first line of base64 inside a PEM block: long enough to be unique, present in any dump of the PEM. */
    private static String pemBody(String pem) {
        return pem.lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
    }

    private static String base64(String pem) {
        return Base64.getEncoder()
                .encodeToString(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .substring(0, 60);
    }

    private static String abbreviate(String secret) {
        return secret.length() <= 12 ? "\"" + secret + "\"" : "\"" + secret.substring(0, 12) + "...\"";
    }
}
