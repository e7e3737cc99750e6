package dev.azurekeyvaultissuer.keyvault;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Keeps the operator under Azure's per-vault service limits with one token bucket per vault host.
 *
 * <p>Key Vault counts transactions per vault in 10-second windows and answers 429, often without a Retry-After, once
 * a client goes over. The SDK's own retries are shorter than that window, so a burst of issuance would just burn its
 * retries: pacing the calls here is what keeps a busy issuer from being throttled at all. Azure weighs key
 * transactions by key type and enforces the sum, so permits are weighed alike ({@link TransactionWeight}): a sign
 * with a software RSA-2048 or EC key takes 1, with an RSA-4096 HSM key 16. The default of 2,000 per 10 s is half of
 * Azure's 4,000, which leaves room for other clients of the vault and keeps every key type under its own limit.
 *
 * <p>The bucket holds a tenth of the window's permits, so no 10-second window ever sees more than 110% of the limit,
 * and refills continuously. A caller that finds it empty reserves the next permit and waits for it, as long as that
 * wait is within {@link Limits#maxWait()}; a longer wait fails at once with {@link VaultException.Kind#THROTTLED} and
 * the time until a permit would be free, so a reconcile thread is never parked for long.
 */
public final class VaultRateLimiter {

    /** How much traffic a vault may get from this operator. */
    public record Limits(int permitsPerWindow, Duration window, Duration maxWait) {

        public static final int DEFAULT_PERMITS_PER_WINDOW = 2000;
        public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);
        public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(5);

        public Limits {
            Objects.requireNonNull(window, "window");
            Objects.requireNonNull(maxWait, "maxWait");
            if (permitsPerWindow < 1) {
                throw new IllegalArgumentException("vault rate limit must allow at least 1 call per window, not "
                        + permitsPerWindow);
            }
            if (window.isZero() || window.isNegative()) {
                throw new IllegalArgumentException("vault rate limit window must be positive, not " + window);
            }
            if (maxWait.isNegative()) {
                throw new IllegalArgumentException("vault rate limit wait must not be negative, not " + maxWait);
            }
        }

        public static Limits defaults() {
            return new Limits(DEFAULT_PERMITS_PER_WINDOW, DEFAULT_WINDOW, DEFAULT_MAX_WAIT);
        }

        /** The same limits with another call budget per window. */
        public Limits withPermitsPerWindow(int permits) {
            return new Limits(permits, window, maxWait);
        }

        int burst() {
            return Math.max(1, permitsPerWindow / 10);
        }

        double permitsPerNano() {
            return permitsPerWindow / (double) window.toNanos();
        }
    }

    /** The limiter's view of time: a monotonic clock and a way to wait. Tests pass a fake that moves on sleep. */
    public interface Ticker {

        long nanoTime();

        void sleep(Duration duration) throws InterruptedException;

        Ticker SYSTEM = new Ticker() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void sleep(Duration duration) throws InterruptedException {
                Thread.sleep(duration.toMillis(), (int) (duration.toNanos() % 1_000_000));
            }
        };
    }

    private final Limits limits;
    private final Ticker ticker;
    private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    public VaultRateLimiter(Limits limits) {
        this(limits, Ticker.SYSTEM);
    }

    public VaultRateLimiter(Limits limits, Ticker ticker) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
    }

    public Limits limits() {
        return limits;
    }

    /** Takes one permit for the vault: see {@link #acquire(URI, int)}. */
    public void acquire(URI vaultUrl) {
        acquire(vaultUrl, TransactionWeight.READ);
    }

    /**
     * Takes {@code weight} permits for the vault, waiting for them when the bucket is empty.
     *
     * @throws VaultException {@link VaultException.Kind#THROTTLED} when the permits are further away than the
     *     maximum wait (with the time until they would be free), or when the thread is interrupted while waiting
     */
    public void acquire(URI vaultUrl, int weight) {
        if (weight < 1) {
            throw new IllegalArgumentException("a vault call weighs at least 1, not " + weight);
        }
        String vault = vaultKey(vaultUrl);
        Bucket bucket = buckets.computeIfAbsent(vault, v -> new Bucket(limits, ticker.nanoTime()));
        long waitNanos = bucket.reserve(ticker.nanoTime(), weight, limits.maxWait().toNanos());
        if (waitNanos < 0) {
            Duration retryAfter = Duration.ofNanos(-waitNanos);
            throw new VaultException(VaultException.Kind.THROTTLED, "more than " + limits.permitsPerWindow()
                    + " weighted calls per " + describe(limits.window()) + " to vault " + vaultUrl
                    + ": the operator's own rate limit holds this call back; next free slot in "
                    + describe(retryAfter), Optional.of(retryAfter), null);
        }
        if (waitNanos > 0) {
            try {
                ticker.sleep(Duration.ofNanos(waitNanos));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VaultException(VaultException.Kind.THROTTLED,
                        "interrupted while waiting for the rate limit of vault " + vaultUrl, e);
            }
        }
    }

    /** Permits a caller could take for that vault right now without waiting (negative while callers queue). */
    public double availablePermits(URI vaultUrl) {
        Bucket bucket = buckets.get(vaultKey(vaultUrl));
        return bucket == null ? limits.burst() : bucket.available(ticker.nanoTime());
    }

    private static String vaultKey(URI vaultUrl) {
        Objects.requireNonNull(vaultUrl, "vaultUrl");
        String host = vaultUrl.getHost() == null ? String.valueOf(vaultUrl) : vaultUrl.getHost();
        return host.toLowerCase(Locale.ROOT) + (vaultUrl.getPort() > 0 ? ":" + vaultUrl.getPort() : "");
    }

    private static String describe(Duration d) {
        if (d.toMillis() < 1000) {
            return Math.max(1, d.toMillis()) + "ms";
        }
        return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
    }

    /** One vault's bucket. Permits may go negative: that is the queue of callers already promised a slot. */
    private static final class Bucket {
        private final double capacity;
        private final double permitsPerNano;
        private double permits;
        private long updatedNanos;

        Bucket(Limits limits, long now) {
            this.capacity = limits.burst();
            this.permitsPerNano = limits.permitsPerNano();
            this.permits = capacity;
            this.updatedNanos = now;
        }

        /** The nanoseconds to wait for the reserved permits, or minus the wait when it exceeds the maximum. */
        synchronized long reserve(long now, int weight, long maxWaitNanos) {
            refill(now);
            if (permits >= weight) {
                permits -= weight;
                return 0;
            }
            long wait = (long) Math.ceil((weight - permits) / permitsPerNano);
            if (wait > maxWaitNanos) {
                return -wait;
            }
            permits -= weight;
            return wait;
        }

        synchronized double available(long now) {
            refill(now);
            return permits;
        }

        private void refill(long now) {
            long elapsed = now - updatedNanos;
            if (elapsed > 0) {
                permits = Math.min(capacity, permits + elapsed * permitsPerNano);
                updatedNanos = now;
            }
        }
    }
}
