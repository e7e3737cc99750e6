package dev.azurekeyvaultissuer.keyvault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One tenant's slow vault holds at most its own slots; other tenants keep signing. */
class VaultGuardTest {

    private final ExecutorService threads = Executors.newFixedThreadPool(8);
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() {
        release.countDown();
        threads.shutdownNow();
    }

    /** A vault whose signs hang until released: a tarpit. */
    private KeyVault tarpit() {
        return new KeyVault() {
            @Override
            public VaultKey getKey(KeyReference key) {
                throw new UnsupportedOperationException();
            }

            @Override
            public byte[] sign(VaultKey key, SignatureAlgorithm algorithm, byte[] digest) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return new byte[] {9};
            }

            @Override
            public String getSecret(SecretReference secret) {
                throw new UnsupportedOperationException();
            }

            @Override
            public byte[] getCertificate(CertificateReference certificate) {
                throw new UnsupportedOperationException();
            }

            @Override
            public String setSecret(
                    SecretReference secret, String value, String contentType, java.util.Map<String, String> tags) {

                throw new UnsupportedOperationException();
            }

            @Override
            public List<String> secretVersions(SecretReference secret) {
                return List.of();
            }
        };
    }

    private static VaultKey key(String vault) throws Exception {
        return new VaultKey(
                "https://" + vault + ".vault.azure.net/keys/ca/0123456789abcdef",
                KeyPairGenerator.getInstance("EC").generateKeyPair().getPublic(),
                false,
                Set.of("sign"),
                true,
                Optional.empty(),
                Optional.empty());
    }

    @Test
    void aTenantsSlowVaultHoldsOnlyItsOwnSlotsAndTheNextCallIsTurnedAwayQuickly() throws Exception {
        VaultGuard guard = new VaultGuard(Optional.empty(), 2);
        KeyVault slow = guard.forTenant(tarpit(), "namespace team-a");
        VaultKey slowKey = key("team-a");
        List<Future<byte[]>> parked = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            parked.add(threads.submit(() -> slow.sign(slowKey, SignatureAlgorithm.ES256, new byte[32])));
        }
        awaitInFlight(guard, 2, parked);

        long started = System.nanoTime();
        var e = assertThrows(VaultException.class, () -> slow.sign(slowKey, SignatureAlgorithm.ES256, new byte[32]));
        Duration waited = Duration.ofNanos(System.nanoTime() - started);
        assertEquals(VaultException.Kind.THROTTLED, e.kind());
        assertTrue(e.getMessage().contains("--vault-calls-per-tenant"), e.getMessage());
        assertTrue(waited.compareTo(Duration.ofSeconds(3)) < 0, "turned away after " + waited);

        KeyVault otherTeam = guard.forTenant(new LocalSigner(), "namespace team-b");
        assertArrayEquals(
                new byte[] {7},
                otherTeam.sign(key("team-b"), SignatureAlgorithm.ES256, new byte[32]),
                "another tenant signs while team-a's vault hangs");

        release.countDown();
        for (Future<byte[]> call : parked) {
            assertArrayEquals(new byte[] {9}, call.get(10, TimeUnit.SECONDS));
        }
        assertEquals(0, guard.inFlight("namespace team-a"), "slots are given back");
    }

    @Test
    void theSameTenantThroughTwoIssuersSharesOneBulkhead() throws Exception {
        VaultGuard guard = new VaultGuard(Optional.empty(), 1);
        KeyVault first = guard.forTenant(tarpit(), "namespace team-a");
        KeyVault second = guard.forTenant(new LocalSigner(), "namespace team-a");
        VaultKey key = key("team-a");
        Future<byte[]> parked = threads.submit(() -> first.sign(key, SignatureAlgorithm.ES256, new byte[32]));
        awaitInFlight(guard, 1, List.of(parked));

        assertEquals(
                VaultException.Kind.THROTTLED,
                assertThrows(VaultException.class, () -> second.sign(key, SignatureAlgorithm.ES256, new byte[32]))
                        .kind());
    }

    /** Waits until the parked calls hold their slots; a call that failed instead fails the test with its cause. */
    private static void awaitInFlight(VaultGuard guard, int calls, List<Future<byte[]>> parked) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (guard.inFlight("namespace team-a") < calls) {
            for (Future<byte[]> call : parked) {
                if (call.isDone()) {
                    call.get(); // throws what the call threw
                    throw new AssertionError("a parked call returned before it was released");
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(calls + " calls did not get their slots within 30 s");
            }
            Thread.sleep(10);
        }
    }

    private static final class LocalSigner implements KeyVault {
        @Override
        public VaultKey getKey(KeyReference key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public byte[] sign(VaultKey key, SignatureAlgorithm algorithm, byte[] digest) {
            return new byte[] {7};
        }

        @Override
        public String getSecret(SecretReference secret) {
            throw new UnsupportedOperationException();
        }

        @Override
        public byte[] getCertificate(CertificateReference certificate) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String setSecret(
                SecretReference secret, String value, String contentType, java.util.Map<String, String> tags) {

            throw new UnsupportedOperationException();
        }

        @Override
        public List<String> secretVersions(SecretReference secret) {
            return List.of();
        }
    }
}
