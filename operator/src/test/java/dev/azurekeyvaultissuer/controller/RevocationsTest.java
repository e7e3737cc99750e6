package dev.azurekeyvaultissuer.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.issuer.CrlSettings;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.issuer.RevocationLedger;
import dev.azurekeyvaultissuer.keyvault.SecretReference;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.pki.CertificateAuthority;
import dev.azurekeyvaultissuer.pki.CertificateRevocationList;
import dev.azurekeyvaultissuer.pki.CrlSigner;
import dev.azurekeyvaultissuer.pki.RevocationReason;
import dev.azurekeyvaultissuer.pki.RevokedCertificate;
import dev.azurekeyvaultissuer.testing.LocalKeyVault;
import dev.azurekeyvaultissuer.testing.TestCertificates;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigInteger;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Batching and publishing of revocations, with JDK keys behind the vault port. */
class RevocationsTest {

    private static final IssuerId ISSUER = IssuerId.issuer("team-a", "ca");

    private final Clock clock = Clock.systemUTC();
    private final LocalKeyVault vault = new LocalKeyVault(LocalKeyVault.DEFAULT_URL, clock);
    private final KeyPair caPair = TestKeyPairs.fresh("P-256");
    private final VaultKey key = vault.importKey("ca", caPair);
    private final CertificateAuthority ca =
            CertificateAuthority.of(List.of(TestCertificates.builder("CN=Revocations Test CA", caPair.getPublic())
                    .validity(Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(30)))
                    .selfSigned(caPair.getPrivate())
                    .build()));
    private final RevocationPublications publications = new RevocationPublications();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService workers = Executors.newFixedThreadPool(2);

    private Revocations revocations(Duration batchDelay) {
        return new Revocations(
                publications,
                new IssuanceMetrics(new SimpleMeterRegistry()),
                timer,
                new TenantSerialExecutor(workers),
                batchDelay,
                issuer -> {});
    }

    private RevocationLedger ledger() {
        return new RevocationLedger(
                vault,
                new CrlSigner(vault, key, SignatureAlgorithm.ES256, ca),
                new CrlSettings(
                        new SecretReference(vault.vaultUrl(), "ca-crl", Optional.empty()),
                        Duration.ofHours(24),
                        Duration.ofHours(8)),
                clock);
    }

    private static RevokedCertificate revoked(long serial) {
        return new RevokedCertificate(BigInteger.valueOf(serial), Instant.now(), RevocationReason.KEY_COMPROMISE);
    }

    @AfterEach
    void stop() {
        timer.shutdownNow();
        workers.shutdownNow();
    }

    @Test
    void revocationsWithinTheBatchDelayCostOneSignature() throws Exception {
        Revocations revocations = revocations(Duration.ofMillis(500));
        revocations.refresh(ISSUER, ledger());
        vault.resetCalls();

        CompletableFuture<CertificateRevocationList> first = revocations.revoke(ISSUER, revoked(10));
        CompletableFuture<CertificateRevocationList> second = revocations.revoke(ISSUER, revoked(11));
        CertificateRevocationList crl = first.get(10, TimeUnit.SECONDS);

        assertSame(crl, second.get(10, TimeUnit.SECONDS));
        assertEquals(1, vault.signCalls(), "two revocations, one CRL, one vault signature");
        assertEquals(2, crl.entries().size());
        assertSame(crl, publications.byPath("/crl/issuers/team-a/ca.crl").orElseThrow(), "served at once");
    }

    @Test
    void aRefreshPublishesWhatTheVaultHoldsAndSignsOnlyWhenDue() {
        Revocations revocations = revocations(Duration.ZERO);
        CertificateRevocationList first = revocations.refresh(ISSUER, ledger());
        assertEquals(1, vault.signCalls(), "no CRL in the vault yet: one is signed");

        CertificateRevocationList again = revocations.refresh(ISSUER, ledger());

        assertEquals(1, vault.signCalls(), "not due: the stored list is published as it is");
        assertEquals(first.number(), again.number());
        assertTrue(publications.of(ISSUER).isPresent());
    }

    @Test
    void aRevocationAlreadyStoredIsNotSignedAgain() throws Exception {
        Revocations revocations = revocations(Duration.ZERO);
        revocations.refresh(ISSUER, ledger());
        revocations.revoke(ISSUER, revoked(5)).get(10, TimeUnit.SECONDS);
        vault.resetCalls();

        // e.g. an operator restarted before it marked the request: the request asks again
        CertificateRevocationList crl = revocations.revoke(ISSUER, revoked(5)).get(10, TimeUnit.SECONDS);

        assertEquals(0, vault.signCalls());
        assertTrue(crl.entry(BigInteger.valueOf(5)).isPresent());
    }

    @Test
    void anIssuerWithoutACrlRefusesRevocations() {
        Revocations revocations = revocations(Duration.ZERO);
        CompletableFuture<CertificateRevocationList> done = revocations.revoke(ISSUER, revoked(1));
        Throwable failure = done.handle((crl, e) -> e).join();
        assertTrue(failure.getMessage().contains("keeps no CRL"), failure.getMessage());
    }
}
