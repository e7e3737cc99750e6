package dev.azurekeyvaultissuer.keyvault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VaultRateLimiterTest {

    private static final URI VAULT = URI.create("https://contoso.vault.azure.net");
    private static final URI OTHER = URI.create("https://fabrikam.vault.azure.net");

    /** Time that moves only when the limiter sleeps or the test says so. */
    static final class FakeTicker implements VaultRateLimiter.Ticker {
        long now = 1_000_000_000L;
        final List<Duration> sleeps = new ArrayList<>();

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleep(Duration duration) {
            sleeps.add(duration);
            now += duration.toNanos();
        }

        void advance(Duration d) {
            now += d.toNanos();
        }
    }

    private final FakeTicker ticker = new FakeTicker();

    @Test
    void burstOfATenthOfTheWindowPassesWithoutWaiting() {
        var limiter = new VaultRateLimiter(
                new VaultRateLimiter.Limits(100, Duration.ofSeconds(10), Duration.ofSeconds(5)), ticker);

        for (int i = 0; i < 10; i++) {
            limiter.acquire(VAULT);
        }

        assertEquals(List.of(), ticker.sleeps);
    }

    @Test
    void aWeightedCallTakesAsManyPermits() {
        var limiter = new VaultRateLimiter(
                new VaultRateLimiter.Limits(100, Duration.ofSeconds(10), Duration.ofSeconds(5)), ticker);

        limiter.acquire(VAULT, 8);
        assertEquals(2.0, limiter.availablePermits(VAULT), 1e-9);
        limiter.acquire(VAULT, 2);
        limiter.acquire(VAULT, 4);

        // Four permits short at one per 100 ms.
        assertEquals(List.of(Duration.ofMillis(400)), ticker.sleeps);
        assertThrows(IllegalArgumentException.class, () -> limiter.acquire(VAULT, 0));
    }

    @Test
    void beyondTheBurstCallersArePacedAtTheWindowRate() {
        var limiter = new VaultRateLimiter(
                new VaultRateLimiter.Limits(100, Duration.ofSeconds(10), Duration.ofSeconds(5)), ticker);
        for (int i = 0; i < 10; i++) {
            limiter.acquire(VAULT);
        }

        limiter.acquire(VAULT);
        limiter.acquire(VAULT);

        // 100 per 10 s is one every 100 ms.
        assertEquals(List.of(Duration.ofMillis(100), Duration.ofMillis(100)), ticker.sleeps);
    }

    @Test
    void neverMoreThanTheLimitPlusTheBurstInAWindow() {
        var limiter = new VaultRateLimiter(
                new VaultRateLimiter.Limits(2000, Duration.ofSeconds(10), Duration.ofSeconds(5)), ticker);
        long start = ticker.now;
        int calls = 0;
        while (ticker.now - start < Duration.ofSeconds(10).toNanos()) {
            limiter.acquire(VAULT);
            calls++;
        }

        assertTrue(calls <= 2000 + 200, "calls in 10 s: " + calls);
        assertTrue(calls >= 2000, "calls in 10 s: " + calls);
    }

    @Test
    void aWaitLongerThanTheMaximumFailsAsThrottledWithTheTimeToWait() {
        var limiter = new VaultRateLimiter(
                new VaultRateLimiter.Limits(10, Duration.ofSeconds(10), Duration.ofMillis(500)), ticker);
        limiter.acquire(VAULT);

        var e = assertThrows(VaultException.class, () -> limiter.acquire(VAULT));

        assertEquals(VaultException.Kind.THROTTLED, e.kind());
        assertTrue(e.isRetryable());
        assertEquals(Duration.ofSeconds(1), e.retryAfter().orElseThrow());
        assertTrue(e.getMessage().contains("https://contoso.vault.azure.net"), e.getMessage());
        assertEquals(List.of(), ticker.sleeps);
    }

    @Test
    void aRejectedCallReservesNothing() {
        var limiter =
                new VaultRateLimiter(new VaultRateLimiter.Limits(10, Duration.ofSeconds(10), Duration.ZERO), ticker);
        limiter.acquire(VAULT);
        assertThrows(VaultException.class, () -> limiter.acquire(VAULT));
        assertThrows(VaultException.class, () -> limiter.acquire(VAULT));

        ticker.advance(Duration.ofSeconds(1));

        limiter.acquire(VAULT);
        assertEquals(List.of(), ticker.sleeps);
    }

    @Test
    void eachVaultHasItsOwnBucket() {
        var limiter =
                new VaultRateLimiter(new VaultRateLimiter.Limits(10, Duration.ofSeconds(10), Duration.ZERO), ticker);
        limiter.acquire(VAULT);

        limiter.acquire(OTHER);
        limiter.acquire(URI.create("https://contoso.vault.azure.net:8443"));

        assertThrows(VaultException.class, () -> limiter.acquire(URI.create("https://CONTOSO.vault.azure.net")));
    }

    @Test
    void theBucketRefillsUpToTheBurstOnly() {
        var limiter = new VaultRateLimiter(
                new VaultRateLimiter.Limits(100, Duration.ofSeconds(10), Duration.ofSeconds(5)), ticker);
        limiter.acquire(VAULT);

        ticker.advance(Duration.ofMinutes(5));

        assertEquals(10.0, limiter.availablePermits(VAULT), 1e-9);
    }

    @Test
    void interruptedWhileWaitingIsThrottledAndKeepsTheInterrupt() {
        var interrupting = new VaultRateLimiter.Ticker() {
            @Override
            public long nanoTime() {
                return 0;
            }

            @Override
            public void sleep(Duration duration) throws InterruptedException {
                throw new InterruptedException();
            }
        };
        var limiter = new VaultRateLimiter(
                new VaultRateLimiter.Limits(10, Duration.ofSeconds(10), Duration.ofSeconds(5)), interrupting);
        limiter.acquire(VAULT);

        var e = assertThrows(VaultException.class, () -> limiter.acquire(VAULT));

        assertEquals(VaultException.Kind.THROTTLED, e.kind());
        assertTrue(Thread.interrupted());
    }

    @Test
    void limitsAreValidated() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new VaultRateLimiter.Limits(0, Duration.ofSeconds(10), Duration.ZERO));
        assertThrows(
                IllegalArgumentException.class, () -> new VaultRateLimiter.Limits(10, Duration.ZERO, Duration.ZERO));
        assertEquals(2000, VaultRateLimiter.Limits.defaults().permitsPerWindow());
    }

    // ---- fair shares between callers of one vault

    private static final URI SHARED = URI.create("https://shared.vault.azure.net");

    @Test
    void aCallerAloneOnAVaultHasAllOfIt() {
        var limiter = new VaultRateLimiter(
                new VaultRateLimiter.Limits(100, Duration.ofSeconds(10), Duration.ofSeconds(5)), ticker);

        for (int i = 0; i < 10; i++) {
            limiter.acquire(SHARED, "namespace team-a", 1);
        }

        assertEquals(List.of(), ticker.sleeps, "the whole burst, as without callers");
    }

    @Test
    void aFloodingCallerUsesWhatTheOthersLeaveAndAnotherCallerStillFindsItsShareFree() {
        var limiter = new VaultRateLimiter(
                new VaultRateLimiter.Limits(100, Duration.ofSeconds(10), Duration.ofSeconds(5)), ticker);
        limiter.acquire(SHARED, "namespace quiet", 1); // the quiet tenant checked its issuer a moment ago

        long started = ticker.nanoTime();
        for (int i = 0; i < 40; i++) {
            limiter.acquire(SHARED, "namespace flood", 1);
        }
        Duration flooded = Duration.ofNanos(ticker.nanoTime() - started);
        int sleepsBefore = ticker.sleeps.size();
        limiter.acquire(SHARED, "namespace quiet", 1);

        // The quiet tenant leaves its half unused: the flood runs at about the vault's 10 per second (40 calls less
        // the burst in about 3 s), not at its share's 5 (7 s), yet never below the permit kept for the other caller.
        assertTrue(flooded.compareTo(Duration.ofMillis(2500)) >= 0, "the flood took " + flooded);
        assertTrue(flooded.compareTo(Duration.ofMillis(4500)) <= 0, "the flood took " + flooded);
        assertEquals(sleepsBefore, ticker.sleeps.size(), "the quiet tenant did not wait at all");
    }

    @Test
    void aFloodBeyondItsShareIsThrottledInItsShareNotInTheVaultsBucket() {
        var limiter = new VaultRateLimiter(
                new VaultRateLimiter.Limits(100, Duration.ofSeconds(10), Duration.ofSeconds(1)), ticker);
        limiter.acquire(SHARED, "namespace quiet", 1);

        var e = assertThrows(VaultException.class, () -> {
            for (int i = 0; i < 100; i++) {
                limiter.acquire(SHARED, "namespace flood", 16); // RSA-4096 HSM signs
            }
        });

        assertEquals(VaultException.Kind.THROTTLED, e.kind());
        assertTrue(e.getMessage().startsWith("namespace flood has used its fair share (1/2 of 100"), e.getMessage());
        assertTrue(e.retryAfter().isPresent());
        assertTrue(limiter.availablePermits(SHARED) > 0, "the vault's own bucket was never drained below zero");
    }

    @Test
    void theFloodHasTheWholeVaultAgainOnceTheOtherCallerHasBeenQuietForAWindow() {
        var limiter =
                new VaultRateLimiter(new VaultRateLimiter.Limits(100, Duration.ofSeconds(10), Duration.ZERO), ticker);
        limiter.acquire(SHARED, "namespace quiet", 1);
        ticker.advance(Duration.ofSeconds(11));

        for (int i = 0; i < 10; i++) {
            limiter.acquire(SHARED, "namespace flood", 1);
        }

        assertEquals(List.of(), ticker.sleeps, "the idle caller no longer counts");
    }
}
