package dev.azurekeyvaultissuer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.security.keyvault.keys.models.KeyOperation;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.emulator.ClientConfig;
import dev.azurekeyvaultissuer.emulator.KeyType;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulatorExtension;
import dev.azurekeyvaultissuer.keyvault.CaKeyType;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Root CAs through the real SDK against the emulator: every key type, existing keys, rotation, dry run. */
class CreateCaCertRootTest {

    private static final String VAULT = "ca";

    @RegisterExtension
    static final KeyVaultEmulatorExtension KV = new KeyVaultEmulatorExtension(b -> b.vault(VAULT)
            .client(ClientConfig.withSecret(CreateCaCertHarness.ADMIN, CreateCaCertHarness.ADMIN_SECRET)));

    private final CreateCaCertHarness harness = new CreateCaCertHarness(KV.emulator());

    static Stream<Arguments> keyTypes() {
        return Stream.of(
                Arguments.of(CaKeyType.RSA_2048, false), Arguments.of(CaKeyType.RSA_3072, false),
                Arguments.of(CaKeyType.RSA_4096, false), Arguments.of(CaKeyType.EC_P256, false),
                Arguments.of(CaKeyType.EC_P384, false), Arguments.of(CaKeyType.EC_P521, false),
                Arguments.of(CaKeyType.RSA_2048, true), Arguments.of(CaKeyType.EC_P384, true));
    }

    @ParameterizedTest(name = "{0} hsm={1}")
    @MethodSource("keyTypes")
    void createsKeyAndRootThatTheOperatorAccepts(CaKeyType type, boolean hsm, @TempDir Path dir) throws Exception {
        String name = "root-" + type.id() + (hsm ? "-hsm" : "");
        Path out = dir.resolve("ca.pem");
        CreateCaCertHarness.Run run = hsm
                ? harness.run(
                        "--vault-url",
                        harness.vaultUrl(VAULT),
                        "--key-name",
                        name,
                        "--create-key",
                        "--key-type",
                        type.id(),
                        "--hsm",
                        "--subject",
                        "CN=Root " + type.id() + ",O=Test",
                        "--out",
                        out.toString())
                : harness.run(
                        "--vault-url",
                        harness.vaultUrl(VAULT),
                        "--key-name",
                        name,
                        "--create-key",
                        "--key-type",
                        type.id(),
                        "--subject",
                        "CN=Root " + type.id() + ",O=Test",
                        "--out",
                        out.toString());
        assertEquals(0, run.exit(), run::toString);
        assertTrue(
                run.err().contains(", no pathLenConstraint (any number of intermediate CAs below it), with "),
                run::toString);

        // The key: the right type, sign/verify only, tagged, not exportable.
        KeyVaultKey key = harness.keys(VAULT).getKey(name);
        assertEquals(type.keyVaultType(hsm), key.getKeyType().toString());
        assertEquals(Set.of(KeyOperation.SIGN, KeyOperation.VERIFY), Set.copyOf(key.getKeyOperations()));
        assertEquals("azure-keyvault-issuer", key.getProperties().getTags().get("created-by"));
        assertEquals("ca", key.getProperties().getTags().get("purpose"));
        assertEquals(
                "CN=Root " + type.id() + ",O=Test",
                key.getProperties().getTags().get("ca-subject"));
        assertFalse(Boolean.TRUE.equals(key.getProperties().isExportable()));

        // The root: a CA for exactly that key, self-signed, ten years, keyCertSign + cRLSign, SKI, random serial.
        List<X509Certificate> written = CreateCaCertHarness.certificates(Files.readString(out));
        assertEquals(1, written.size());
        X509Certificate root = written.get(0);
        root.verify(root.getPublicKey());
        assertEquals(KV.emulator().publicKey(VAULT, name), root.getPublicKey());
        assertEquals(Integer.MAX_VALUE, root.getBasicConstraints());
        boolean[] usage = root.getKeyUsage();
        assertTrue(usage[5] && usage[6], "keyCertSign and cRLSign");
        assertTrue(root.getExtensionValue("2.5.29.14") != null, "subject key identifier");
        assertTrue(root.getSerialNumber().compareTo(BigInteger.valueOf(1L << 32)) > 0, "random serial");
        Duration validity = Duration.between(
                root.getNotBefore().toInstant(), root.getNotAfter().toInstant());
        assertEquals(Duration.ofHours(87600), validity);
        if (type.isRsa()) {
            assertEquals(
                    type.rsaBits(),
                    ((RSAPublicKey) root.getPublicKey()).getModulus().bitLength());
        } else {
            assertTrue(root.getPublicKey() instanceof ECPublicKey);
        }

        // The secret named like the key holds the chain as PEM.
        KeyVaultSecret secret = harness.secrets(VAULT).getSecret(name);
        assertEquals("application/x-pem-file", secret.getProperties().getContentType());
        assertEquals(written, CreateCaCertHarness.certificates(secret.getValue()));

        // The printed ClusterIssuer needs no caCertificate, and the operator signs with it.
        ClusterIssuer issuer = CreateCaCertHarness.parseIssuer(run.out());
        assertEquals(name.toLowerCase(), issuer.getMetadata().getName());
        assertEquals(harness.normalizedVaultUrl(VAULT), issuer.getSpec().getVaultURL());
        assertEquals(name, issuer.getSpec().getKeyName());
        assertNull(issuer.getSpec().getKeyVersion());
        assertNull(issuer.getSpec().getCaCertificate());
        harness.issueLeafThrough(run.out(), root);
    }

    @Test
    void usesAnExistingKeyNamedByCosignsUriAndPrintsPemToStdout() throws Exception {
        KV.emulator().createKey(VAULT, "cosign-key", KeyType.EC_P256);
        String uri =
                "azurekms://" + java.net.URI.create(harness.vaultUrl(VAULT)).getRawAuthority() + "/cosign-key";
        CreateCaCertHarness.Run run = harness.run(
                "--key-uri", uri, "--subject", "CN=Cosign Root", "--validity", "3650d", "--path-length", "1");
        assertEquals(0, run.exit(), run::toString);
        X509Certificate root = CreateCaCertHarness.certificates(run.out()).get(0);
        assertEquals(1, root.getBasicConstraints());
        assertTrue(
                run.err()
                        .contains("valid 87600h (3650 days), pathLenConstraint 1 (at most 1 intermediate CA"
                                + " below it), with "),
                run::toString);
        assertTrue(run.err().contains("pathLenConstraint 1 (at most 1 intermediate CA below it)"), run::toString);
        assertEquals(
                Duration.ofDays(3650),
                Duration.between(
                        root.getNotBefore().toInstant(), root.getNotAfter().toInstant()));
        // Standard output carries the PEM; the ClusterIssuer goes to standard error, in the user's own form.
        assertTrue(run.err().contains("keyURI: " + uri), run::toString);
        assertFalse(run.out().contains("apiVersion"));
        harness.issueLeafThrough(run.err(), root);
    }

    @Test
    void pinnedVersionStaysPinnedInTheIssuer(@TempDir Path dir) throws Exception {
        String kid = KV.emulator().createKey(VAULT, "pinned", KeyType.RSA_2048);
        String version = kid.substring(kid.lastIndexOf('/') + 1);
        KV.emulator().createKey(VAULT, "pinned-other", KeyType.RSA_2048);
        CreateCaCertHarness.Run run = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "pinned",
                "--key-version",
                version,
                "--subject",
                "CN=Pinned",
                "--out",
                dir.resolve("ca.pem").toString(),
                "--issuer-name",
                "pinned-ca",
                "--signature-algorithm",
                "PS256");
        assertEquals(0, run.exit(), run::toString);
        ClusterIssuer issuer = CreateCaCertHarness.parseIssuer(run.out());
        assertEquals(version, issuer.getSpec().getKeyVersion());
        assertEquals("PS256", issuer.getSpec().getSignatureAlgorithm());
        assertEquals("pinned-ca", issuer.getMetadata().getName());
        X509Certificate root = CreateCaCertHarness.certificates(Files.readString(dir.resolve("ca.pem")))
                .get(0);
        assertEquals("1.2.840.113549.1.1.10", root.getSigAlgOID(), "RSASSA-PSS");
        harness.issueLeafThrough(run.out(), root);
    }

    @Test
    void rotationNeedsNewVersionAndMakesANewKeyVersionAndRoot(@TempDir Path dir) throws Exception {
        String[] create = {
            "--vault-url",
            harness.vaultUrl(VAULT),
            "--key-name",
            "rotated",
            "--create-key",
            "--key-type",
            "ec-p256",
            "--subject",
            "CN=Rotated G1",
            "--out",
            dir.resolve("g1.pem").toString()
        };
        CreateCaCertHarness.Run first = harness.run(create);
        assertEquals(0, first.exit(), first::toString);
        String v1 = KV.emulator().keyId(VAULT, "rotated");
        X509Certificate g1 = CreateCaCertHarness.certificates(Files.readString(dir.resolve("g1.pem")))
                .get(0);

        KV.emulator().resetCalls(VAULT);
        CreateCaCertHarness.Run again = harness.run(create);
        assertEquals(CreateCaCertCommand.EXIT_EXISTS, again.exit(), again::toString);
        assertTrue(again.err().contains("already exists") && again.err().contains("--new-version"), again::toString);
        assertEquals(0, KV.emulator().calls(VAULT, "createKey"));
        assertEquals(0, KV.emulator().calls(VAULT, "setSecret"));
        assertEquals(v1, KV.emulator().keyId(VAULT, "rotated"));

        CreateCaCertHarness.Run rotated = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "rotated",
                "--create-key",
                "--new-version",
                "--key-type",
                "ec-p384",
                "--subject",
                "CN=Rotated G2",
                "--out",
                dir.resolve("g2.pem").toString());
        assertEquals(0, rotated.exit(), rotated::toString);
        String v2 = KV.emulator().keyId(VAULT, "rotated");
        assertNotEquals(v1, v2);
        X509Certificate g2 = CreateCaCertHarness.certificates(Files.readString(dir.resolve("g2.pem")))
                .get(0);
        assertNotEquals(g1.getPublicKey(), g2.getPublicKey());
        assertEquals(KV.emulator().publicKey(VAULT, "rotated"), g2.getPublicKey());
        assertEquals(
                List.of(g2),
                CreateCaCertHarness.certificates(
                        harness.secrets(VAULT).getSecret("rotated").getValue()));
        assertTrue(rotated.err().contains("rotation"), rotated::toString);
        // The same ClusterIssuer (no version pinned) now signs with the new key under the new root.
        assertEquals(
                CreateCaCertHarness.parseIssuer(first.out()).getSpec().getKeyName(),
                CreateCaCertHarness.parseIssuer(rotated.out()).getSpec().getKeyName());
        harness.issueLeafThrough(first.out(), g2);
    }

    @Test
    void dryRunReadsButWritesNothing(@TempDir Path dir) throws Exception {
        KV.emulator().createKey(VAULT, "dry-existing", KeyType.EC_P256);
        KV.emulator().resetCalls(VAULT);
        Path out = dir.resolve("ca.pem");
        Path issuerOut = dir.resolve("issuer.yaml");

        CreateCaCertHarness.Run newKey = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "dry-new",
                "--create-key",
                "--key-type",
                "rsa-3072",
                "--hsm",
                "--subject",
                "CN=Dry",
                "--out",
                out.toString(),
                "--issuer-out",
                issuerOut.toString(),
                "--dry-run");
        assertEquals(0, newKey.exit(), newKey::toString);
        assertTrue(
                newKey.err().contains("would create key 'dry-new' (RSA 3072, HSM-protected (RSA-HSM)"),
                newKey::toString);
        assertTrue(newKey.err().contains("would store the PEM chain in secret 'dry-new'"), newKey::toString);
        assertTrue(newKey.err().contains("kind: ClusterIssuer"), newKey::toString);

        CreateCaCertHarness.Run existing = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "dry-existing",
                "--subject",
                "CN=Dry",
                "--dry-run");
        assertEquals(0, existing.exit(), existing::toString);
        assertTrue(
                existing.err()
                        .contains(
                                "would self-sign the root CA \"CN=Dry\" valid 87600h (3650 days), no pathLenConstraint (any number of"
                                        + " intermediate CAs below it), with ES256"),
                existing::toString);

        CreateCaCertHarness.Run csr = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "dry-existing",
                "--subject",
                "CN=Dry Intermediate",
                "--intermediate-csr",
                dir.resolve("i.csr").toString(),
                "--dry-run");
        assertEquals(0, csr.exit(), csr::toString);

        for (String write :
                List.of("createKey", "sign", "setSecret", "createCertificate", "mergeCertificate", "updateKey")) {
            assertEquals(
                    0,
                    KV.emulator().calls(VAULT, write),
                    write + " in a dry run: " + KV.emulator().calls(VAULT));
        }
        assertTrue(KV.emulator().calls(VAULT, "getKey") > 0, "a dry run reads the key");
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(issuerOut));
        assertFalse(Files.exists(dir.resolve("i.csr")));
        assertEquals("", newKey.out() + existing.out() + csr.out());
    }

    @Test
    void aNotYetUsableKeyIsRefusedBeforeAnythingIsSigned() {
        KV.emulator().createKey(VAULT, "verify-only", KeyType.EC_P256, "verify");
        KV.emulator().resetCalls(VAULT);
        CreateCaCertHarness.Run run = harness.run(
                "--vault-url", harness.vaultUrl(VAULT), "--key-name", "verify-only", "--subject", "CN=Nope");
        assertEquals(CreateCaCertCommand.EXIT_VAULT, run.exit(), run::toString);
        assertTrue(run.err().contains("does not allow the sign operation"), run::toString);
        assertEquals(0, KV.emulator().calls(VAULT, "sign"));

        KV.emulator().createKey(VAULT, "expired", KeyType.EC_P256);
        KV.emulator().setKeyValidity(VAULT, "expired", null, Instant.now().minusSeconds(60));
        CreateCaCertHarness.Run expired =
                harness.run("--vault-url", harness.vaultUrl(VAULT), "--key-name", "expired", "--subject", "CN=Nope");
        assertEquals(CreateCaCertCommand.EXIT_VAULT, expired.exit(), expired::toString);
        assertTrue(
                expired.err().contains("expired at") && expired.err().contains("(its exp attribute)"),
                expired::toString);
    }

    @Test
    void aMissingKeySaysHowToCreateIt() {
        CreateCaCertHarness.Run run =
                harness.run("--vault-url", harness.vaultUrl(VAULT), "--key-name", "absent", "--subject", "CN=Nope");
        assertEquals(CreateCaCertCommand.EXIT_VAULT, run.exit(), run::toString);
        assertTrue(run.err().contains("key 'absent' not found") && run.err().contains("--create-key"), run::toString);
        assertArrayEquals(new byte[0], run.out().getBytes());
    }
}
