package dev.azurekeyvaultissuer.emulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.core.util.polling.PollResponse;
import com.azure.core.util.polling.SyncPoller;
import com.azure.security.keyvault.certificates.CertificateClient;
import com.azure.security.keyvault.certificates.models.CertificateContentType;
import com.azure.security.keyvault.certificates.models.CertificateKeyCurveName;
import com.azure.security.keyvault.certificates.models.CertificateKeyType;
import com.azure.security.keyvault.certificates.models.CertificateOperation;
import com.azure.security.keyvault.certificates.models.CertificatePolicy;
import com.azure.security.keyvault.certificates.models.KeyVaultCertificate;
import com.azure.security.keyvault.certificates.models.KeyVaultCertificateWithPolicy;
import com.azure.security.keyvault.certificates.models.MergeCertificateOptions;
import com.azure.security.keyvault.certificates.models.SubjectAlternativeNames;
import com.azure.security.keyvault.keys.cryptography.models.SignatureAlgorithm;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.models.DeletedSecret;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import com.azure.security.keyvault.secrets.models.SecretProperties;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Secrets and certificates endpoints through SecretClient and CertificateClient. */
class SecretsAndCertificatesSdkTest {
    static final String VAULT = "objects-vault";

    @RegisterExtension
    static final KeyVaultEmulatorExtension EXT =
            new KeyVaultEmulatorExtension(b -> b.vault(VAULT).clientSecret("app", "app-secret"));

    static KeyVaultEmulator kv;
    static TokenCredential credential;
    static SecretClient secrets;
    static CertificateClient certificates;

    @BeforeAll
    static void clients() {
        kv = EXT.emulator();
        credential = Sdk.secretCredential(kv, "app", "app-secret");
        secrets = Sdk.secrets(kv, VAULT, credential);
        certificates = Sdk.certificates(kv, VAULT, credential);
    }

    @Test
    void setsGetsListsAndDeletesSecrets() {
        KeyVaultSecret first = secrets.setSecret(new KeyVaultSecret("ca-chain", "-----BEGIN CERTIFICATE-----1")
                .setProperties(new SecretProperties()
                        .setContentType("application/x-pem-file")
                        .setTags(Map.of("a", "b"))));
        assertTrue(first.getId().startsWith(kv.vaultUrl(VAULT) + "/secrets/ca-chain/"));
        assertEquals("application/x-pem-file", first.getProperties().getContentType());
        KeyVaultSecret second = secrets.setSecret("ca-chain", "v2");
        assertEquals("v2", secrets.getSecret("ca-chain").getValue());
        assertEquals(
                "-----BEGIN CERTIFICATE-----1",
                secrets.getSecret("ca-chain", first.getProperties().getVersion())
                        .getValue());
        assertEquals(
                "b",
                secrets.getSecret("ca-chain", first.getProperties().getVersion())
                        .getProperties()
                        .getTags()
                        .get("a"));
        List<String> versions = new ArrayList<>();
        secrets.listPropertiesOfSecretVersions("ca-chain").forEach(p -> versions.add(p.getVersion()));
        assertEquals(
                List.of(
                        first.getProperties().getVersion(),
                        second.getProperties().getVersion()),
                versions);
        assertTrue(secrets.listPropertiesOfSecrets().stream()
                .anyMatch(p -> p.getName().equals("ca-chain")));

        DeletedSecret deleted = secrets.beginDeleteSecret("ca-chain")
                .waitForCompletion(Duration.ofSeconds(10))
                .getValue();
        assertTrue(deleted.getRecoveryId().endsWith("/deletedsecrets/ca-chain"));
        ResourceNotFoundException e =
                assertThrows(ResourceNotFoundException.class, () -> secrets.getSecret("ca-chain"));
        assertTrue(e.getMessage().contains("SecretNotFound"), e.getMessage());
        secrets.purgeDeletedSecret("ca-chain");
    }

    @Test
    void secretHelperAndDisabledSecret() {
        String id = kv.setSecret(VAULT, "helper", "value-1", "text/plain");
        KeyVaultSecret s = secrets.getSecret("helper");
        assertEquals(id, s.getId());
        assertEquals("text/plain", s.getProperties().getContentType());
        secrets.updateSecretProperties(s.getProperties().setEnabled(false));
        HttpResponseException e = assertThrows(HttpResponseException.class, () -> secrets.getSecret("helper"));
        assertEquals(403, e.getResponse().getStatusCode());
        assertTrue(e.getMessage().contains("SecretDisabled"), e.getMessage());
    }

    @Test
    void createsWithIssuerUnknownThenMergesASignedCertificate() throws Exception {
        CertificatePolicy policy = new CertificatePolicy("Unknown", "CN=Test Intermediate CA,O=Emulator")
                .setKeyType(CertificateKeyType.EC)
                .setKeyCurveName(CertificateKeyCurveName.P_384)
                .setContentType(CertificateContentType.PEM)
                .setKeyReusable(false)
                .setExportable(false);
        SyncPoller<CertificateOperation, KeyVaultCertificateWithPolicy> poller =
                certificates.beginCreateCertificate("intermediate", policy);
        PollResponse<CertificateOperation> polled = poller.poll();
        assertEquals(LongRunningOperationStatus.IN_PROGRESS, polled.getStatus());
        CertificateOperation op =
                certificates.getCertificateOperation("intermediate").poll().getValue();
        assertEquals("Unknown", op.getIssuerName());
        PKCS10CertificationRequest csr = new PKCS10CertificationRequest(op.getCsr());
        assertEquals("CN=Test Intermediate CA,O=Emulator", csr.getSubject().toString());
        assertTrue(csr.isSignatureValid(new org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder()
                .build(new JcaPEMKeyConverter().getPublicKey(csr.getSubjectPublicKeyInfo()))));

        // A root CA outside the vault signs the CSR; the chain goes back in through a merge.
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(384);
        KeyPair rootKey = g.generateKeyPair();
        X509Certificate root = certificate(
                new X500Name("CN=Test Root"), new X500Name("CN=Test Root"), rootKey.getPublic(), rootKey, true);
        X509Certificate intermediate = certificate(
                new X500Name("CN=Test Root"),
                csr.getSubject(),
                new JcaPEMKeyConverter().getPublicKey(csr.getSubjectPublicKeyInfo()),
                rootKey,
                true);
        KeyVaultCertificateWithPolicy merged = certificates.mergeCertificate(new MergeCertificateOptions(
                        "intermediate", List.of(intermediate.getEncoded(), root.getEncoded()))
                // The SDK sends attributes.enabled=false unless told otherwise, and the emulator takes it literally.
                .setEnabled(true));
        assertArrayEquals(intermediate.getEncoded(), merged.getCer());
        assertEquals("Unknown", merged.getPolicy().getIssuerName());

        KeyVaultCertificate got = certificates.getCertificate("intermediate");
        assertArrayEquals(intermediate.getEncoded(), got.getCer());
        assertEquals(
                got.getProperties().getVersion(),
                got.getKeyId().substring(got.getKeyId().lastIndexOf('/') + 1));
        assertTrue(got.getKeyId().startsWith(kv.vaultUrl(VAULT) + "/keys/intermediate/"));
        assertEquals(
                LongRunningOperationStatus.SUCCESSFULLY_COMPLETED,
                certificates.getCertificateOperation("intermediate").poll().getStatus());

        // The certificate's key signs through the keys endpoints, under the same name.
        byte[] tbs = "tbs".getBytes(StandardCharsets.UTF_8);
        byte[] raw = Sdk.crypto(kv, got.getKeyId(), credential)
                .sign(SignatureAlgorithm.ES384, Sdk.sha(384, tbs))
                .getSignature();
        Signature jdk = Signature.getInstance("SHA384withECDSA");
        jdk.initVerify(intermediate.getPublicKey());
        jdk.update(tbs);
        assertTrue(jdk.verify(Sdk.rawToDer(raw)));

        // Its secret holds the chain (no private key: the key is not exportable).
        KeyVaultSecret secret = secrets.getSecret("intermediate");
        assertEquals("application/x-pem-file", secret.getProperties().getContentType());
        assertTrue(secret.getProperties().isManaged());
        assertFalse(secret.getValue().contains("PRIVATE KEY"));
        List<X509Certificate> chain = new ArrayList<>();
        CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(secret.getValue().getBytes(StandardCharsets.US_ASCII)))
                .forEach(c -> chain.add((X509Certificate) c));
        assertEquals(List.of(intermediate, root), chain);
    }

    @Test
    void mergeRefusesACertificateForAnotherKey() throws Exception {
        certificates
                .beginCreateCertificate("wrong-merge", new CertificatePolicy("Unknown", "CN=x"))
                .poll();
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair other = g.generateKeyPair();
        X509Certificate cert = certificate(new X500Name("CN=x"), new X500Name("CN=x"), other.getPublic(), other, false);
        HttpResponseException e = assertThrows(
                HttpResponseException.class,
                () -> certificates.mergeCertificate(
                        new MergeCertificateOptions("wrong-merge", List.of(cert.getEncoded()))));
        assertEquals(400, e.getResponse().getStatusCode());
    }

    @Test
    void selfSignedIssuerCompletesAtOnce() {
        CertificatePolicy policy = new CertificatePolicy("Self", "CN=self.example")
                .setSubjectAlternativeNames(new SubjectAlternativeNames().setDnsNames(List.of("self.example")));
        SyncPoller<CertificateOperation, KeyVaultCertificateWithPolicy> poller =
                certificates.beginCreateCertificate("self", policy);
        poller.waitForCompletion(Duration.ofSeconds(10));
        KeyVaultCertificateWithPolicy cert = poller.getFinalResult();
        assertNotNull(cert.getCer());
        assertEquals("Self", cert.getPolicy().getIssuerName());
        assertEquals(
                1,
                certificates.listPropertiesOfCertificates().stream()
                        .filter(p -> p.getName().equals("self"))
                        .count());
    }

    @Test
    void unknownCertificateIsCertificateNotFound() {
        ResourceNotFoundException e =
                assertThrows(ResourceNotFoundException.class, () -> certificates.getCertificate("nope"));
        assertTrue(e.getMessage().contains("CertificateNotFound"), e.getMessage());
    }

    static X509Certificate certificate(
            X500Name issuer, X500Name subject, java.security.PublicKey publicKey, KeyPair signer, boolean ca)
            throws Exception {
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                issuer,
                BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minusSeconds(60)),
                Date.from(now.plus(Duration.ofDays(30))),
                subject,
                publicKey);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        String alg = signer.getPrivate().getAlgorithm().equals("EC") ? "SHA384withECDSA" : "SHA256withRSA";
        return new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder(alg).build(signer.getPrivate())));
    }
}
