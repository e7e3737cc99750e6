package dev.azurekeyvaultissuer.issuer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SecretReference;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.pki.CertificateAuthority;
import dev.azurekeyvaultissuer.pki.CertificateRevocationList;
import dev.azurekeyvaultissuer.pki.CrlSigner;
import dev.azurekeyvaultissuer.pki.RevocationReason;
import dev.azurekeyvaultissuer.pki.RevokedCertificate;
import dev.azurekeyvaultissuer.testing.ForwardingKeyVault;
import dev.azurekeyvaultissuer.testing.LocalKeyVault;
import dev.azurekeyvaultissuer.testing.TestCertificates;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.math.BigInteger;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The revocation state in the vault: what is stored stays, and concurrent writers lose nothing. */
class RevocationLedgerTest {

    private static final Instant NOW = TestCertificates.EPOCH;

    private final MutableClock clock = new MutableClock(NOW);
    private final LocalKeyVault vault = new LocalKeyVault(LocalKeyVault.DEFAULT_URL, clock);
    private final KeyPair caPair = TestKeyPairs.fresh("P-256");
    private final VaultKey key = vault.importKey("ca", caPair);
    private final CertificateAuthority ca =
            CertificateAuthority.of(List.of(TestCertificates.root("CN=Ledger Test CA", caPair)));
    private final SecretReference secret = new SecretReference(vault.vaultUrl(), "ca-crl", Optional.empty());
    private final CrlSettings settings = new CrlSettings(secret, Duration.ofHours(24), Duration.ofHours(8));

    private RevocationLedger ledger(KeyVault through) {
        return new RevocationLedger(
                through, new CrlSigner(through, key, SignatureAlgorithm.ES256, ca), settings, clock);
    }

    private static RevokedCertificate revoked(long serial) {
        return new RevokedCertificate(BigInteger.valueOf(serial), NOW, RevocationReason.KEY_COMPROMISE);
    }

    @Test
    void theFirstCrlIsNumberOneAndIsStoredInTheSecret() {
        RevocationLedger ledger = ledger(vault);
        assertEquals(Optional.empty(), ledger.current());

        CertificateRevocationList crl = ledger.publish(List.of());

        assertEquals(BigInteger.ONE, crl.number());
        assertEquals(NOW.plus(Duration.ofHours(24)), crl.nextUpdate());
        assertEquals(crl.pem(), vault.getSecret(secret), "the vault holds exactly the CRL served");
        assertEquals(1, vault.signCalls());
        assertTrue(crl.verifies(caPair.getPublic()));
    }

    @Test
    void revocationsAccumulateAndKeepTheirFirstTime() {
        RevocationLedger ledger = ledger(vault);
        ledger.publish(List.of(revoked(1)));
        clock.advance(Duration.ofMinutes(5));
        RevokedCertificate again = new RevokedCertificate(BigInteger.ONE, clock.instant(), RevocationReason.SUPERSEDED);

        CertificateRevocationList crl = ledger.publish(List.of(revoked(2), again));

        assertEquals(BigInteger.TWO, crl.number());
        assertEquals(
                List.of(BigInteger.ONE, BigInteger.TWO),
                crl.entries().stream().map(RevokedCertificate::serialNumber).toList());
        assertEquals(NOW, crl.entry(BigInteger.ONE).orElseThrow().revokedAt(), "revoked from the first time");
        assertEquals(
                RevocationReason.KEY_COMPROMISE,
                crl.entry(BigInteger.ONE).orElseThrow().reason());
    }

    @Test
    void aCrlIsDueWithinRefreshBeforeOfItsNextUpdate() {
        RevocationLedger ledger = ledger(vault);
        CertificateRevocationList crl = ledger.publish(List.of());
        assertEquals(NOW.plus(Duration.ofHours(16)), ledger.refreshAt(crl));
        clock.advance(Duration.ofHours(16).minusSeconds(1));
        assertFalse(ledger.due(crl));
        clock.advance(Duration.ofSeconds(1));
        assertTrue(ledger.due(crl));
    }

    /**
     * Another writer (a second operator, or the revoke command) stores its CRL between this ledger's read and its
     * write, without this ledger's entry: the ledger sees the version that appeared, merges and writes again.
     */
    @Test
    void aWriterThatRacesUsLosesNothingAndNeitherDoWe() {
        RevocationLedger other = ledger(vault);
        other.publish(List.of(revoked(1)));
        boolean[] raced = {false};
        KeyVault racing = new ForwardingKeyVault(vault) {
            @Override
            public String setSecret(SecretReference s, String value, String contentType, Map<String, String> tags) {
                if (!raced[0]) {
                    raced[0] = true;
                    other.publish(List.of(revoked(2))); // reads version 1, writes 2 holding serials 1 and 2
                }
                return super.setSecret(s, value, contentType, tags);
            }
        };

        CertificateRevocationList ours = ledger(racing).publish(List.of(revoked(3)));

        assertEquals(
                List.of(BigInteger.ONE, BigInteger.TWO, BigInteger.valueOf(3)),
                ours.entries().stream().map(RevokedCertificate::serialNumber).toList());
        CertificateRevocationList stored = ledger(vault).current().orElseThrow();
        assertEquals(ours.number(), stored.number());
        assertEquals(3, stored.entries().size(), "the newest version holds every revocation");
        assertTrue(ours.number().compareTo(BigInteger.TWO) > 0, "CRL numbers only grow: " + ours.number());
    }

    @Test
    void aSecretThatHoldsNoCrlIsAnErrorNotAnEmptyList() {
        vault.putSecret("ca-crl", "not a CRL");
        RevocationStateException e =
                assertThrows(RevocationStateException.class, () -> ledger(vault).publish(List.of(revoked(1))));
        assertTrue(e.getMessage().contains("does not hold a CRL"), e.getMessage());
        assertEquals(0, vault.signCalls(), "nothing signed over a state that cannot be read");
    }

    @Test
    void settingsAreChecked() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new CrlSettings(secret, Duration.ofHours(1), Duration.ofHours(1)));
        assertThrows(
                IllegalArgumentException.class,
                () -> new CrlSettings(secret, Duration.ofSeconds(30), Duration.ofSeconds(10)));
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
