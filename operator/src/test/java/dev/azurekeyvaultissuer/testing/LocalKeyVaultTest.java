package dev.azurekeyvaultissuer.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.keyvault.CertificateReference;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.SecretReference;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The fake behaves like Key Vault where the operator can tell. */
class LocalKeyVaultTest {

    private static final byte[] DATA = "data".getBytes();

    private final LocalKeyVault vault = new LocalKeyVault();

    @ParameterizedTest
    @EnumSource(SignatureAlgorithm.class)
    void signsDigestsTheWayKeyVaultDoes(SignatureAlgorithm algorithm) throws Exception {
        VaultKey key = switch (algorithm.digestLength()) {
            case 32 -> algorithm.isRsa() ? vault.createRsaKey("k", 2048) : vault.createEcKey("k", "P-256");
            case 48 -> algorithm.isRsa() ? vault.createRsaKey("k", 3072) : vault.createEcKey("k", "P-384");
            default -> algorithm.isRsa() ? vault.createRsaKey("k", 2048) : vault.createEcKey("k", "P-521");
        };
        String hash = algorithm.digestAlgorithm();
        byte[] digest = MessageDigest.getInstance(hash).digest(DATA);

        byte[] signature = vault.sign(key, algorithm, digest);

        Signature verifier = switch (algorithm.family()) {
            case RSA_PKCS1 -> Signature.getInstance(hash.replace("-", "") + "withRSA");
            case RSA_PSS -> {
                Signature pss = Signature.getInstance("RSASSA-PSS");
                pss.setParameter(
                        new PSSParameterSpec(hash, "MGF1", new MGF1ParameterSpec(hash), algorithm.digestLength(), 1));
                yield pss;
            }
            case ECDSA -> Signature.getInstance(hash.replace("-", "") + "withECDSAinP1363Format");
        };
        verifier.initVerify(key.publicKey());
        verifier.update(DATA);
        assertTrue(verifier.verify(signature), "verifies over the data the digest was made from");
        if (algorithm.family() == SignatureAlgorithm.Family.ECDSA) {
            int field = algorithm == SignatureAlgorithm.ES512 ? 66 : algorithm.digestLength();
            assertEquals(2 * field, signature.length, "raw r||s");
        }
        assertEquals(1, vault.signCalls());
    }

    @Test
    void refusesWrongDigestLengthsAndAlgorithmsThatDoNotFit() {
        VaultKey rsa = vault.createRsaKey("rsa", 2048);
        VaultKey ec = vault.createEcKey("ec", "P-256");

        assertEquals(
                VaultException.Kind.INVALID,
                assertThrows(VaultException.class, () -> vault.sign(rsa, SignatureAlgorithm.RS256, new byte[48]))
                        .kind());
        assertEquals(
                VaultException.Kind.INVALID,
                assertThrows(VaultException.class, () -> vault.sign(rsa, SignatureAlgorithm.ES256, new byte[32]))
                        .kind());
        assertEquals(
                VaultException.Kind.INVALID,
                assertThrows(VaultException.class, () -> vault.sign(ec, SignatureAlgorithm.ES384, new byte[48]))
                        .kind());
    }

    @Test
    void keysHaveVersionsAndTheNewestIsCurrent() {
        VaultKey first = vault.createEcKey("ca", "P-256");
        VaultKey second = vault.importKey("ca", TestKeyPairs.fresh("P-256"));

        assertTrue(first.version().matches("[0-9a-f]{32}"), first.version());
        assertEquals(LocalKeyVault.DEFAULT_URL + "/keys/ca/" + first.version(), first.keyId());
        assertNotEquals(first.version(), second.version());
        assertEquals(second, vault.getKey(vault.keyReference("ca")));
        assertEquals(first, vault.getKey(vault.keyReference("ca").atVersion(first.version())));
        assertEquals(
                VaultException.Kind.NOT_FOUND,
                assertThrows(
                                VaultException.class,
                                () -> vault.getKey(
                                        vault.keyReference("ca").atVersion("0123456789abcdef0123456789abcdef")))
                        .kind());
        assertEquals(
                VaultException.Kind.NOT_FOUND,
                assertThrows(VaultException.class, () -> vault.getKey(vault.keyReference("missing")))
                        .kind());
        vault.sign(first, SignatureAlgorithm.ES256, new byte[32]);
    }

    @Test
    void disabledExpiredAndNonSigningKeysAreRefused() {
        Instant now = Instant.parse("2025-01-01T00:00:00Z");
        LocalKeyVault timed = new LocalKeyVault(LocalKeyVault.DEFAULT_URL, Clock.fixed(now, ZoneOffset.UTC));
        VaultKey key = timed.createEcKey("k", "P-256");

        VaultKey expired = timed.updateKey(
                "k",
                k -> new VaultKey(
                        k.keyId(),
                        k.publicKey(),
                        false,
                        k.operations(),
                        true,
                        Optional.empty(),
                        Optional.of(now.minusSeconds(1))));
        assertEquals(
                VaultException.Kind.FORBIDDEN,
                assertThrows(VaultException.class, () -> timed.sign(expired, SignatureAlgorithm.ES256, new byte[32]))
                        .kind());

        timed.updateKey(
                "k",
                k -> new VaultKey(
                        k.keyId(), k.publicKey(), false, Set.of("verify"), true, Optional.empty(), Optional.empty()));
        assertEquals(
                VaultException.Kind.INVALID,
                assertThrows(VaultException.class, () -> timed.sign(key, SignatureAlgorithm.ES256, new byte[32]))
                        .kind());

        timed.disableKey("k");
        assertEquals(
                VaultException.Kind.FORBIDDEN,
                assertThrows(VaultException.class, () -> timed.sign(key, SignatureAlgorithm.ES256, new byte[32]))
                        .kind());
    }

    @Test
    void injectedFailuresFireOnceOrUntilCleared() {
        VaultKey key = vault.createEcKey("k", "P-256");
        VaultException throttled = new VaultException(VaultException.Kind.THROTTLED, "Throttled");
        VaultException down = new VaultException(VaultException.Kind.UNAVAILABLE, "503");

        vault.failNext(LocalKeyVault.Operation.SIGN, throttled);
        assertSame(
                throttled,
                assertThrows(VaultException.class, () -> vault.sign(key, SignatureAlgorithm.ES256, new byte[32])));
        vault.sign(key, SignatureAlgorithm.ES256, new byte[32]);

        vault.failAlways(LocalKeyVault.Operation.GET_KEY, down);
        assertSame(down, assertThrows(VaultException.class, () -> vault.getKey(vault.keyReference("k"))));
        assertSame(down, assertThrows(VaultException.class, () -> vault.getKey(vault.keyReference("k"))));
        vault.clearFailures();
        vault.getKey(vault.keyReference("k"));

        assertEquals(2, vault.signCalls());
        assertEquals(3, vault.calls(LocalKeyVault.Operation.GET_KEY));
        vault.resetCalls();
        assertEquals(0, vault.signCalls());
    }

    @Test
    void secretsAndCertificatesLiveInMemory() {
        SecretReference secret = vault.putSecret("ca", "old");
        vault.putSecret("ca", "new");
        CertificateReference certificate = vault.putCertificate("ca", new byte[] {1, 2, 3});

        assertEquals("new", vault.getSecret(secret));
        assertArrayEquals(new byte[] {1, 2, 3}, vault.getCertificate(certificate));
        assertEquals(
                VaultException.Kind.NOT_FOUND,
                assertThrows(
                                VaultException.class,
                                () -> vault.getSecret(SecretReference.of(LocalKeyVault.DEFAULT_URL, "missing")))
                        .kind());
        assertEquals(
                VaultException.Kind.NOT_FOUND,
                assertThrows(
                                VaultException.class,
                                () -> vault.getCertificate(
                                        CertificateReference.of(LocalKeyVault.DEFAULT_URL, "missing")))
                        .kind());
    }

    @Test
    void otherVaultsAreUnreachable() {
        vault.createEcKey("k", "P-256");

        assertEquals(
                VaultException.Kind.UNAVAILABLE,
                assertThrows(
                                VaultException.class,
                                () -> vault.getKey(KeyReference.of("https://elsewhere.vault.azure.net", "k", null)))
                        .kind());
    }
}
