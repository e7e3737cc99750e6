package dev.azurekeyvaultissuer.issuer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.keyvault.CertificateReference;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.SecretReference;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.pki.AuthorityUrls;
import dev.azurekeyvaultissuer.pki.CaCertificateException;
import dev.azurekeyvaultissuer.pki.CaCertificateFactory;
import dev.azurekeyvaultissuer.pki.CertificateAuthority;
import dev.azurekeyvaultissuer.pki.LeafRequest;
import dev.azurekeyvaultissuer.pki.Pem;
import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.LocalKeyVault;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every reason an issuer is or is not ready, against JDK keys behind the port and a fixed clock. */
class IssuerHealthCheckTest {

    private static final Instant NOW = Instant.parse("2026-03-01T00:00:00Z");
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private LocalKeyVault vault;
    private VaultKey key;

    @BeforeEach
    void caInTheVault() {
        vault = new LocalKeyVault(LocalKeyVault.DEFAULT_URL, clock);
        key = vault.createEcKey("ca", "P-256");
        vault.putSecret("ca", Pem.encode(root(key, Duration.ofDays(365))));
        vault.resetCalls();
    }

    private X509Certificate root(VaultKey signingKey, Duration validity) {
        return new CaCertificateFactory(vault, clock)
                .selfSignedRoot(
                        "CN=Test Root",
                        validity,
                        OptionalInt.empty(),
                        signingKey,
                        SignatureAlgorithm.defaultFor(signingKey.publicKey()));
    }

    private IssuerSettings settings() {
        return settings(Optional.empty());
    }

    private IssuerSettings settings(Optional<SignatureAlgorithm> algorithm) {
        return new IssuerSettings(
                vault.keyReference("ca"),
                new CaCertificateLocation.VaultSecret(
                        dev.azurekeyvaultissuer.keyvault.SecretReference.of(LocalKeyVault.DEFAULT_URL, "ca")),
                algorithm,
                new AuthMethod.Ambient());
    }

    private IssuerHealth.NotReady notReady(IssuerSettings settings) {
        return assertInstanceOf(IssuerHealth.NotReady.class, new IssuerHealthCheck(clock).check(settings, vault));
    }

    @Test
    void readyWithKeyCaAndDefaultAlgorithm() {
        var ready = assertInstanceOf(IssuerHealth.Ready.class, new IssuerHealthCheck(clock).check(settings(), vault));
        assertEquals(key.keyId(), ready.signer().key().keyId());
        assertEquals(SignatureAlgorithm.ES256, ready.signer().algorithm());
        assertEquals(0, vault.signCalls(), "a check never signs");
    }

    @Test
    void theSignerWritesTheSettingsUrlsIntoWhatItSigns() {
        IssuerSettings plain = settings();
        AuthorityUrls urls = new AuthorityUrls(
                List.of("http://pki.example.com/ca.crl"),
                List.of("http://ocsp.example.com"),
                List.of("http://pki.example.com/ca.crt"));
        IssuerSettings settings = new IssuerSettings(
                plain.key(), plain.caCertificate(), plain.signatureAlgorithm(), plain.auth(), plain.policy(), urls);

        var ready = assertInstanceOf(IssuerHealth.Ready.class, new IssuerHealthCheck(clock).check(settings, vault));
        X509Certificate leaf = ready.signer()
                .sign(
                        new LeafRequest(
                                CsrBuilder.forKey(TestKeyPairs.ec("P-256"))
                                        .subject("CN=app")
                                        .pem(),
                                Optional.empty(),
                                false,
                                List.of()),
                        clock)
                .leaf();

        assertEquals(urls, ready.signer().urls());
        assertNotNull(leaf.getExtensionValue("2.5.29.31"), "CRL distribution points");
        assertNotNull(leaf.getExtensionValue("1.3.6.1.5.5.7.1.1"), "authority information access");
    }

    @Test
    void keyNotFound() {
        vault.failNext(
                LocalKeyVault.Operation.GET_KEY,
                new VaultException(VaultException.Kind.NOT_FOUND, "key 'ca' not found"));
        var notReady = notReady(settings());
        assertEquals(IssuerReasons.KEY_NOT_FOUND, notReady.reason());
    }

    @Test
    void disabledKey() {
        vault.disableKey("ca");
        assertEquals(IssuerReasons.KEY_DISABLED, notReady(settings()).reason());
    }

    @Test
    void keyOutsideItsValidityWindow() {
        vault.updateKey(
                "ca",
                k -> new VaultKey(
                        k.keyId(),
                        k.publicKey(),
                        k.hsmProtected(),
                        k.operations(),
                        true,
                        Optional.of(NOW.plusSeconds(60)),
                        Optional.empty()));
        assertEquals(IssuerReasons.KEY_NOT_YET_VALID, notReady(settings()).reason());
        vault.updateKey(
                "ca",
                k -> new VaultKey(
                        k.keyId(),
                        k.publicKey(),
                        k.hsmProtected(),
                        k.operations(),
                        true,
                        Optional.empty(),
                        Optional.of(NOW)));
        assertEquals(IssuerReasons.KEY_EXPIRED, notReady(settings()).reason());
    }

    @Test
    void keyWithoutSignOperation() {
        vault.updateKey(
                "ca",
                k -> new VaultKey(
                        k.keyId(),
                        k.publicKey(),
                        k.hsmProtected(),
                        Set.of("verify"),
                        true,
                        Optional.empty(),
                        Optional.empty()));
        var notReady = notReady(settings());
        assertEquals(IssuerReasons.KEY_CANNOT_SIGN, notReady.reason());
        assertTrue(notReady.message().contains("add sign"));
    }

    @Test
    void algorithmThatDoesNotFitTheKey() {
        var notReady = notReady(settings(Optional.of(SignatureAlgorithm.PS256)));
        assertEquals(IssuerReasons.SIGNATURE_ALGORITHM_MISMATCH, notReady.reason());
        assertTrue(notReady.message().contains("ES256"));
    }

    @Test
    void caSecretMissing() {
        vault.failNext(
                LocalKeyVault.Operation.GET_SECRET,
                new VaultException(VaultException.Kind.NOT_FOUND, "secret 'ca' not found"));
        assertEquals(
                IssuerReasons.CA_CERTIFICATE_NOT_FOUND, notReady(settings()).reason());
    }

    @Test
    void caSecretNotPem() {
        vault.putSecret("ca", "hello");
        assertEquals("CACertificateInvalid", notReady(settings()).reason());
    }

    @Test
    void caCertificateOfAnotherKey() {
        VaultKey other = vault.createRsaKey("other", 2048);
        vault.putSecret("ca", Pem.encode(root(other, Duration.ofDays(30))));
        assertEquals("CACertificateKeyMismatch", notReady(settings()).reason());
    }

    @Test
    void expiredCaCertificate() {
        X509Certificate shortLived = new CaCertificateFactory(
                        vault, Clock.fixed(NOW.minus(Duration.ofDays(10)), ZoneOffset.UTC))
                .selfSignedRoot("CN=Old Root", Duration.ofDays(1), OptionalInt.empty(), key, SignatureAlgorithm.ES256);
        vault.putSecret("ca", Pem.encode(shortLived));
        assertEquals("CACertificateExpired", notReady(settings()).reason());
    }

    @Test
    void accessDeniedNamesThePermission() {
        vault.failNext(
                LocalKeyVault.Operation.GET_SECRET,
                new VaultException(
                        VaultException.Kind.FORBIDDEN,
                        "the identity lacks secrets get on https://local.vault.azure.net"));
        var notReady = notReady(settings());
        assertEquals(IssuerReasons.ACCESS_DENIED, notReady.reason());
        assertTrue(notReady.message().contains("secrets get"));
    }

    @Test
    void unreachableOrThrottledVault() {
        vault.failNext(
                LocalKeyVault.Operation.GET_KEY,
                new VaultException(VaultException.Kind.UNAVAILABLE, "vault unreachable"));
        var unreachable = notReady(settings());
        assertEquals(IssuerReasons.VAULT_UNREACHABLE, unreachable.reason());
        vault.failNext(LocalKeyVault.Operation.GET_KEY, new VaultException(VaultException.Kind.THROTTLED, "throttled"));
        assertEquals(IssuerReasons.VAULT_THROTTLED, notReady(settings()).reason());
    }

    @Test
    void caFromAKeyVaultCertificateObject() {
        vault.putCertificate("ca-cert", encoded(root(key, Duration.ofDays(30))));
        IssuerSettings settings = new IssuerSettings(
                vault.keyReference("ca"),
                new CaCertificateLocation.VaultCertificate(
                        CertificateReference.of(LocalKeyVault.DEFAULT_URL, "ca-cert")),
                Optional.empty(),
                new AuthMethod.Ambient());
        assertInstanceOf(IssuerHealth.Ready.class, new IssuerHealthCheck(clock).check(settings, vault));
    }

    @Test
    void rotationIsFollowedWhenNoVersionIsPinned() {
        VaultKey rotated = vault.createEcKey("ca", "P-256");
        vault.putSecret("ca", Pem.encode(root(rotated, Duration.ofDays(30))));
        var ready = assertInstanceOf(IssuerHealth.Ready.class, new IssuerHealthCheck(clock).check(settings(), vault));
        assertEquals(rotated.keyId(), ready.signer().key().keyId());
    }

    private IssuerSettings pinnedTo(VaultKey pinned, CaCertificateLocation location) {
        return new IssuerSettings(
                new KeyReference(vault.vaultUrl(), "ca", Optional.of(pinned.version())),
                location,
                Optional.empty(),
                new AuthMethod.Ambient());
    }

    /** A new current version of "ca" with a key of its own (TestKeyPairs.ec shares one key per curve). */
    private VaultKey rotate() {
        return vault.importKey("ca", TestKeyPairs.fresh("P-256"));
    }

    private static CaCertificateLocation.VaultSecret caSecret() {
        return new CaCertificateLocation.VaultSecret(SecretReference.of(LocalKeyVault.DEFAULT_URL, "ca"));
    }

    @Test
    void aPinnedKeyKeepsItsCaAfterTheSecretMovedOnToTheRotatedOne() {
        X509Certificate firstCa = CertificateAuthority.fromPem(
                        vault.getSecret(caSecret().secret()))
                .certificate();
        VaultKey rotated = rotate();
        vault.putSecret("ca", Pem.encode(root(rotated, Duration.ofDays(30))));
        vault.putSecret("ca", "not a certificate: an unrelated later version is skipped");
        vault.putSecret("ca", Pem.encode(root(rotated, Duration.ofDays(40))));
        vault.resetCalls();

        var ready = assertInstanceOf(
                IssuerHealth.Ready.class, new IssuerHealthCheck(clock).check(pinnedTo(key, caSecret()), vault));

        assertEquals(key.keyId(), ready.signer().key().keyId());
        assertEquals(firstCa, ready.signer().ca().certificate());
        assertEquals(1, vault.calls(LocalKeyVault.Operation.LIST_SECRET_VERSIONS));
    }

    @Test
    void anUnpinnedOrMatchingIssuerNeverListsVersions() {
        new IssuerHealthCheck(clock).check(pinnedTo(key, caSecret()), vault);
        new IssuerHealthCheck(clock).check(settings(), vault);
        assertEquals(0, vault.calls(LocalKeyVault.Operation.LIST_SECRET_VERSIONS));
    }

    @Test
    void aPinnedKeyWhoseCaNoVersionHoldsIsAMismatch() {
        VaultKey withoutCa = rotate();
        VaultKey current = rotate();
        vault.putSecret("ca", Pem.encode(root(current, Duration.ofDays(30))));

        var notReady = notReady(pinnedTo(withoutCa, caSecret()));

        assertEquals(CaCertificateException.KEY_MISMATCH, notReady.reason());
        assertEquals(3, vault.calls(LocalKeyVault.Operation.GET_SECRET), "the current one, then each listed version");
    }

    @Test
    void listingVersionsForbiddenSaysWhyTheListWasNeeded() {
        VaultKey rotated = rotate();
        vault.putSecret("ca", Pem.encode(root(rotated, Duration.ofDays(30))));
        vault.failNext(
                LocalKeyVault.Operation.LIST_SECRET_VERSIONS,
                new VaultException(VaultException.Kind.FORBIDDEN, "add the access policy permission secrets: List"));

        var notReady = notReady(pinnedTo(key, caSecret()));

        assertEquals(IssuerReasons.ACCESS_DENIED, notReady.reason());
        assertTrue(
                notReady.message().startsWith("key version " + key.version() + " is pinned and the current CA"),
                notReady.message());
        assertTrue(notReady.message().endsWith("secrets: List"), notReady.message());
    }

    @Test
    void aPinnedKeyFindsItsCaInTheCertificateObjectVersionOfTheSameId() {
        X509Certificate firstCa = root(key, Duration.ofDays(30));
        vault.putCertificate("ca-cert", key.version(), encoded(firstCa));
        VaultKey rotated = rotate();
        vault.putCertificate("ca-cert", rotated.version(), encoded(root(rotated, Duration.ofDays(30))));
        var location = new CaCertificateLocation.VaultCertificate(
                CertificateReference.of(LocalKeyVault.DEFAULT_URL, "ca-cert"));

        var pinned = assertInstanceOf(
                IssuerHealth.Ready.class, new IssuerHealthCheck(clock).check(pinnedTo(key, location), vault));
        var unpinned = assertInstanceOf(
                IssuerHealth.Ready.class,
                new IssuerHealthCheck(clock)
                        .check(
                                new IssuerSettings(
                                        vault.keyReference("ca"), location, Optional.empty(), new AuthMethod.Ambient()),
                                vault));

        assertEquals(firstCa, pinned.signer().ca().certificate());
        assertEquals(rotated.keyId(), unpinned.signer().key().keyId());
    }

    private static byte[] encoded(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
