package dev.azurekeyvaultissuer.keyvault.azure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.security.keyvault.certificates.CertificateClient;
import com.azure.security.keyvault.certificates.CertificateClientBuilder;
import com.azure.security.keyvault.certificates.models.CertificatePolicy;
import com.azure.security.keyvault.certificates.models.MergeCertificateOptions;
import dev.azurekeyvaultissuer.emulator.ClientConfig;
import dev.azurekeyvaultissuer.emulator.KeyType;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulator;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulatorExtension;
import dev.azurekeyvaultissuer.keyvault.CertificateReference;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SecretReference;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The adapter against the Key Vault emulator over HTTPS, with the real SDK clients and credentials. */
class AzureKeyVaultTest {

    private static final String VAULT = "kv";
    private static final String HSM = "hsm";

    @RegisterExtension
    static final KeyVaultEmulatorExtension EMULATOR = new KeyVaultEmulatorExtension(b -> b.vault(VAULT)
            .managedHsm(HSM)
            .client(ClientConfig.withSecret(EmulatedVault.CLIENT_ID, EmulatedVault.CLIENT_SECRET)));

    private KeyVaultEmulator emulator;
    private KeyVault vault;

    @BeforeEach
    void connect() {
        emulator = EMULATOR.emulator();
        vault = EmulatedVault.connect(emulator);
    }

    private KeyReference latest(String vaultName, String key) {
        return KeyReference.of(emulator.vaultUrl(vaultName), key, null);
    }

    static Stream<Arguments> keyKinds() {
        return Stream.of(
                Arguments.of(VAULT, KeyType.RSA_2048),
                Arguments.of(VAULT, KeyType.RSA_3072),
                Arguments.of(VAULT, KeyType.RSA_4096),
                Arguments.of(VAULT, KeyType.EC_P256),
                Arguments.of(VAULT, KeyType.EC_P384),
                Arguments.of(VAULT, KeyType.EC_P521),
                Arguments.of(VAULT, KeyType.RSA_HSM_2048),
                Arguments.of(VAULT, KeyType.EC_HSM_P384),
                Arguments.of(HSM, KeyType.RSA_HSM_3072),
                Arguments.of(HSM, KeyType.EC_HSM_P256),
                Arguments.of(HSM, KeyType.EC_HSM_P521));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("keyKinds")
    void getKeyLatestAndPinnedVersion(String vaultName, KeyType type) {
        String name = "ca-" + type.name().toLowerCase().replace('_', '-');
        String firstId = emulator.createKey(vaultName, name, type);
        KeyReference ref = latest(vaultName, name);
        VaultKey first = vault.getKey(ref);
        String secondId = emulator.createKey(vaultName, name, type);

        VaultKey current = vault.getKey(ref);
        VaultKey pinned = vault.getKey(ref.atVersion(first.version()));

        assertEquals(firstId, first.keyId());
        assertEquals(secondId, current.keyId());
        assertEquals(firstId, pinned.keyId());
        assertEquals(emulator.publicKey(vaultName, name), current.publicKey());
        assertEquals(type.isHsm(), current.hsmProtected());
        assertTrue(current.maySign(), current.operations().toString());
        assertTrue(current.enabled());
        assertEquals(
                SignatureAlgorithm.defaultFor(current.publicKey()),
                SignatureAlgorithm.defaultFor(emulator.publicKey(vaultName, name)));
    }

    @Test
    void keyAttributesAreRead() {
        emulator.createKey(VAULT, "attributes", KeyType.EC_P256, "sign", "verify");
        Instant nbf = Instant.now().minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        Instant exp = Instant.now().plus(365, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        emulator.setKeyValidity(VAULT, "attributes", nbf, exp);
        emulator.disableKey(VAULT, "attributes");

        VaultKey key = vault.getKey(latest(VAULT, "attributes"));

        assertFalse(key.enabled());
        assertEquals(java.util.Set.of("sign", "verify"), key.operations());
        assertEquals(nbf, key.notBefore().orElseThrow());
        assertEquals(exp, key.expiresOn().orElseThrow());
    }

    static Stream<Arguments> signatures() {
        return Stream.of(
                Arguments.of(VAULT, KeyType.RSA_2048, SignatureAlgorithm.RS256),
                Arguments.of(VAULT, KeyType.RSA_2048, SignatureAlgorithm.RS384),
                Arguments.of(VAULT, KeyType.RSA_2048, SignatureAlgorithm.RS512),
                Arguments.of(VAULT, KeyType.RSA_2048, SignatureAlgorithm.PS256),
                Arguments.of(VAULT, KeyType.RSA_3072, SignatureAlgorithm.PS384),
                Arguments.of(VAULT, KeyType.RSA_4096, SignatureAlgorithm.PS512),
                Arguments.of(VAULT, KeyType.EC_P256, SignatureAlgorithm.ES256),
                Arguments.of(VAULT, KeyType.EC_P384, SignatureAlgorithm.ES384),
                Arguments.of(VAULT, KeyType.EC_P521, SignatureAlgorithm.ES512),
                Arguments.of(VAULT, KeyType.RSA_HSM_2048, SignatureAlgorithm.PS256),
                Arguments.of(HSM, KeyType.RSA_HSM_2048, SignatureAlgorithm.RS256),
                Arguments.of(HSM, KeyType.RSA_HSM_2048, SignatureAlgorithm.PS256),
                Arguments.of(HSM, KeyType.EC_HSM_P256, SignatureAlgorithm.ES256),
                Arguments.of(HSM, KeyType.EC_HSM_P521, SignatureAlgorithm.ES512));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("signatures")
    void signsWithOneCallAndTheJdkVerifies(String vaultName, KeyType type, SignatureAlgorithm algorithm)
            throws Exception {
        String name = "sign-" + type.name().toLowerCase().replace('_', '-');
        emulator.createKey(vaultName, name, type);
        VaultKey key = vault.getKey(latest(vaultName, name));
        byte[] data = ("tbsCertificate for " + algorithm).getBytes(StandardCharsets.UTF_8);
        emulator.resetCalls(vaultName);

        byte[] signature = vault.sign(key, algorithm, EmulatedVault.digest(algorithm, data));

        assertEquals(Map.of("sign", 1L), emulator.calls(vaultName));
        assertTrue(EmulatedVault.verify(key.publicKey(), algorithm, data, signature), "signature verifies");
    }

    @Test
    void everySignIsExactlyOneCallAlsoForANewConnection() throws Exception {
        emulator.createKey(VAULT, "counted", KeyType.EC_P256);
        VaultKey key = vault.getKey(latest(VAULT, "counted"));
        KeyVault fresh = EmulatedVault.connect(emulator);
        emulator.resetCalls(VAULT);

        for (int i = 0; i < 5; i++) {
            fresh.sign(
                    key, SignatureAlgorithm.ES256, EmulatedVault.digest(SignatureAlgorithm.ES256, new byte[] {(byte) i
                    }));
        }

        assertEquals(Map.of("sign", 5L), emulator.calls(VAULT));
    }

    @Test
    void signsWithThePinnedVersionAfterRotation() throws Exception {
        emulator.createKey(VAULT, "rotated", KeyType.EC_P256);
        VaultKey old = vault.getKey(latest(VAULT, "rotated"));
        emulator.createKey(VAULT, "rotated", KeyType.EC_P256);
        byte[] data = "pinned".getBytes(StandardCharsets.UTF_8);

        byte[] signature =
                vault.sign(old, SignatureAlgorithm.ES256, EmulatedVault.digest(SignatureAlgorithm.ES256, data));

        assertTrue(EmulatedVault.verify(old.publicKey(), SignatureAlgorithm.ES256, data, signature));
    }

    @Test
    void aDigestOfTheWrongLengthIsRefusedBeforeAnyCall() {
        emulator.createKey(VAULT, "digest", KeyType.RSA_2048);
        VaultKey key = vault.getKey(latest(VAULT, "digest"));
        emulator.resetCalls(VAULT);

        assertThrows(IllegalArgumentException.class, () -> vault.sign(key, SignatureAlgorithm.RS384, new byte[32]));
        assertEquals(Map.of(), emulator.calls(VAULT));
    }

    @Test
    void getSecretLatestAndPinned() {
        String pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        String firstId = emulator.setSecret(VAULT, "ca-chain", pem, "application/x-pem-file");
        emulator.setSecret(VAULT, "ca-chain", pem + pem, "application/x-pem-file");
        String firstVersion = firstId.substring(firstId.lastIndexOf('/') + 1);

        assertEquals(pem + pem, vault.getSecret(SecretReference.of(emulator.vaultUrl(VAULT), "ca-chain")));
        assertEquals(
                pem,
                vault.getSecret(new SecretReference(
                        java.net.URI.create(emulator.vaultUrl(VAULT)),
                        "ca-chain",
                        java.util.Optional.of(firstVersion))));
    }

    @Test
    void getCertificateGivesTheDerOfTheCurrentVersion() throws Exception {
        // Create a certificate object the way a user does for an offline CA: pending CSR, signed elsewhere, merged.
        CertificateClient certificates = new CertificateClientBuilder()
                .vaultUrl(emulator.vaultUrl(VAULT))
                .credential(new ClientSecretCredentialBuilder()
                        .authorityHost(emulator.authorityHost())
                        .tenantId(emulator.tenantId())
                        .clientId(EmulatedVault.CLIENT_ID)
                        .clientSecret(EmulatedVault.CLIENT_SECRET)
                        .disableInstanceDiscovery()
                        .httpClient(new JdkHttpClientBuilder(
                                        java.net.http.HttpClient.newBuilder().sslContext(emulator.sslContext()))
                                .build())
                        .build())
                .httpClient(new JdkHttpClientBuilder(
                                java.net.http.HttpClient.newBuilder().sslContext(emulator.sslContext()))
                        .build())
                .disableChallengeResourceVerification()
                .buildClient();
        // An intermediate CA policy: key usages keyCertSign and cRLSign.
        CertificatePolicy policy = new CertificatePolicy("Unknown", "CN=Intermediate CA")
                .setKeyUsage(
                        com.azure.security.keyvault.certificates.models.CertificateKeyUsage.KEY_CERT_SIGN,
                        com.azure.security.keyvault.certificates.models.CertificateKeyUsage.CRL_SIGN);
        certificates.beginCreateCertificate("intermediate", policy).poll();
        byte[] csr = certificates
                .getCertificateOperation("intermediate")
                .poll()
                .getValue()
                .getCsr();
        X509Certificate issued = signCsr(csr);
        certificates.mergeCertificate(new MergeCertificateOptions("intermediate", List.of(issued.getEncoded())));

        byte[] der = vault.getCertificate(CertificateReference.of(emulator.vaultUrl(VAULT), "intermediate"));

        X509Certificate read = (X509Certificate)
                CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        assertArrayEquals(issued.getEncoded(), read.getEncoded());
        // A certificate's version is its key's: how an issuer pinned to a key version finds its CA.
        String keyVersion = vault.getKey(latest(VAULT, "intermediate")).version();
        assertArrayEquals(
                issued.getEncoded(),
                vault.getCertificate(CertificateReference.of(emulator.vaultUrl(VAULT), "intermediate")
                        .withVersion(keyVersion)));
    }

    @Test
    void secretVersionsListsEveryEnabledVersion() {
        var reference = SecretReference.of(emulator.vaultUrl(VAULT), "versioned-chain");
        List<String> written = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = emulator.setSecret(VAULT, "versioned-chain", "pem " + i, "application/x-pem-file");
            written.add(id.substring(id.lastIndexOf('/') + 1));
        }

        List<String> listed = vault.secretVersions(reference);

        assertEquals(java.util.Set.copyOf(written), java.util.Set.copyOf(listed));
        assertEquals(3, listed.size());
        for (String version : listed) {
            assertEquals("pem " + written.indexOf(version), vault.getSecret(reference.withVersion(version)));
        }
    }

    @Test
    void notFoundNamesWhatIsMissing() {
        emulator.createKey(VAULT, "present", KeyType.EC_P256);
        String current = vault.getKey(latest(VAULT, "present")).version();
        String url = emulator.vaultUrl(VAULT);

        var noKey = assertThrows(VaultException.class, () -> vault.getKey(latest(VAULT, "absent")));
        var noVersion = assertThrows(
                VaultException.class,
                () -> vault.getKey(latest(VAULT, "present").atVersion("0123456789abcdef0123456789abcdef")));
        var noVersionNoKey = assertThrows(
                VaultException.class,
                () -> vault.getKey(latest(VAULT, "absent").atVersion("0123456789abcdef0123456789abcdef")));
        var noSecret = assertThrows(VaultException.class, () -> vault.getSecret(SecretReference.of(url, "absent")));
        var noCertificate =
                assertThrows(VaultException.class, () -> vault.getCertificate(CertificateReference.of(url, "absent")));

        assertEquals(VaultException.Kind.NOT_FOUND, noKey.kind());
        assertStartsWith(
                "key 'absent' not found in " + url + "; vault said: KeyNotFound: A key with (name/id) "
                        + "absent was not found in this key vault.",
                noKey.getMessage());
        assertStartsWith(
                "key 'present' has no version '0123456789abcdef0123456789abcdef' in " + url
                        + " (its current version is '" + current + "'); vault said: KeyNotFound: ",
                noVersion.getMessage());
        assertStartsWith(
                "key 'absent' not found in " + url + "; vault said: KeyNotFound: ", noVersionNoKey.getMessage());
        assertStartsWith(
                "secret 'absent' not found in " + url + "; vault said: SecretNotFound: ", noSecret.getMessage());
        assertEquals(VaultException.Kind.NOT_FOUND, noCertificate.kind());
        assertStartsWith(
                "certificate 'absent' not found in " + url + "; vault said: CertificateNotFound: ",
                noCertificate.getMessage());
    }

    private static void assertStartsWith(String expected, String actual) {
        assertTrue(
                actual.startsWith(expected),
                () -> "expected a message starting with <" + expected + "> but was <" + actual + ">");
    }

    @Test
    void signingWithADisabledKeyIsInvalidWithTheVaultsWords() throws Exception {
        emulator.createKey(VAULT, "disabled", KeyType.RSA_2048);
        VaultKey key = vault.getKey(latest(VAULT, "disabled"));
        emulator.disableKey(VAULT, "disabled");

        var e = assertThrows(
                VaultException.class,
                () -> vault.sign(
                        key, SignatureAlgorithm.RS256, EmulatedVault.digest(SignatureAlgorithm.RS256, new byte[1])));

        assertEquals(VaultException.Kind.INVALID, e.kind());
        assertEquals(
                "key 'disabled' version '" + key.version() + "' in " + emulator.vaultUrl(VAULT)
                        + " is disabled (enable it in the vault): Operation sign is not allowed on a disabled key.",
                e.getMessage());
    }

    @Test
    void aKeyWithoutSignInKeyOpsCannotSign() throws Exception {
        emulator.createKey(VAULT, "verify-only", KeyType.EC_P256, "verify");
        VaultKey key = vault.getKey(latest(VAULT, "verify-only"));

        var e = assertThrows(
                VaultException.class,
                () -> vault.sign(
                        key, SignatureAlgorithm.ES256, EmulatedVault.digest(SignatureAlgorithm.ES256, new byte[1])));

        assertFalse(key.maySign());
        assertEquals(VaultException.Kind.INVALID, e.kind());
    }

    private static X509Certificate signCsr(byte[] csrDer) throws Exception {
        PKCS10CertificationRequest csr = new PKCS10CertificationRequest(csrDer);
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        KeyPair root = generator.generateKeyPair();
        Instant now = Instant.now();
        var holder = new JcaX509v3CertificateBuilder(
                        new X500Name("CN=Offline Root"),
                        BigInteger.valueOf(42),
                        Date.from(now.minus(1, ChronoUnit.HOURS)),
                        Date.from(now.plus(30, ChronoUnit.DAYS)),
                        csr.getSubject(),
                        new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter()
                                .getPublicKey(csr.getSubjectPublicKeyInfo()))
                .addExtension(
                        org.bouncycastle.asn1.x509.Extension.basicConstraints,
                        true,
                        new org.bouncycastle.asn1.x509.BasicConstraints(0))
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(root.getPrivate()));
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(holder.getEncoded()));
    }
}
