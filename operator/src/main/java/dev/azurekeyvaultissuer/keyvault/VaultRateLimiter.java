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
 *
 * <p>Callers that name themselves ({@link #acquire(URI, String, int)}: the operator passes the tenant of the issuer)
 * get a fair share of the vault's budget: each first passes a bucket of its own holding 1/n of the vault's rate, n
 * being the callers seen on that vault within the last window, and only then the vault's bucket. A caller whose share is
 * used up may still take the vault's spare permits, down to one permit for each other caller of the window: the
 * budget others leave unused is not wasted (a burst on one busy ClusterIssuer among a hundred quiet Issuers runs at
 * the vault's rate, not at a hundredth of it), while another issuer's check or sign still finds its share of the
 * vault's bucket free. Only when the vault's bucket is down to that reserve does a flooding caller wait in its own
 * bucket, and it is throttled there. A caller alone on a vault has all of it.
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
                throw new IllegalArgumentException(
                        "vault rate limit must allow at least 1 call per window, not " + permitsPerWindow);
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
    private final ConcurrentMap<String, ConcurrentMap<String, CallerShare>> shares = new ConcurrentHashMap<>();

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
        Bucket bucket = vaultBucket(vaultKey(vaultUrl));
        long waitNanos =
                bucket.reserve(ticker.nanoTime(), weight, limits.maxWait().toNanos());
        if (waitNanos < 0) {
            Duration retryAfter = Duration.ofNanos(-waitNanos);
            throw new VaultException(
                    VaultException.Kind.THROTTLED,
                    "more than " + limits.permitsPerWindow()
                            + " weighted calls per " + describe(limits.window()) + " to vault " + vaultUrl
                            + ": the operator's own rate limit holds this call back; next free slot in "
                            + describe(retryAfter),
                    Optional.of(retryAfter),
                    null);
        }
        sleep(vaultUrl, waitNanos);
    }

    /**
     * Takes {@code weight} permits for the vault on behalf of {@code caller}: first from the caller's fair share, then
     * from the vault's bucket, waiting in each as {@link #acquire(URI, int)} does.
     *
     * @throws VaultException {@link VaultException.Kind#THROTTLED} when the caller's share or the vault's budget is
     *     further away than the maximum wait
     */
    public void acquire(URI vaultUrl, String caller, int weight) {
        if (weight < 1) {
            throw new IllegalArgumentException("a vault call weighs at least 1, not " + weight);
        }
        String vault = vaultKey(vaultUrl);
        ConcurrentMap<String, CallerShare> callers = shares.computeIfAbsent(vault, v -> new ConcurrentHashMap<>());
        long now = ticker.nanoTime();
        CallerShare share = callers.computeIfAbsent(caller, c -> new CallerShare(now));
        share.lastSeen = now;
        int active = activeCallers(callers, now);
        double perNano = limits.permitsPerNano() / active;
        double capacity = Math.max(1, limits.burst() / (double) active);
        if (share.bucket.tryTake(now, weight, perNano, capacity)) {
            acquire(vaultUrl, weight);
            return;
        }
        // The share is used up. What the other callers do not use is not wasted: the caller may take the vault's
        // spare permits, as long as one call's permit stays in the vault's bucket for each other caller, so a quiet
        // tenant that calls now still passes without waiting.
        double othersReserve = Math.min(active - 1, limits.burst() * (active - 1) / (double) active);
        if (vaultBucket(vault).tryTake(now, weight, othersReserve)) {
            return;
        }
        long waitNanos = share.bucket.reserve(now, weight, limits.maxWait().toNanos(), perNano, capacity);
        if (waitNanos < 0) {
            Duration retryAfter = Duration.ofNanos(-waitNanos);
            throw new VaultException(
                    VaultException.Kind.THROTTLED,
                    caller + " has used its fair share (1/" + active
                            + " of " + limits.permitsPerWindow() + " weighted calls per " + describe(limits.window())
                            + ") of vault " + vaultUrl + ", which " + active
                            + " issuer tenants share; next free slot in "
                            + describe(retryAfter),
                    Optional.of(retryAfter),
                    null);
        }
        sleep(vaultUrl, waitNanos);
        acquire(vaultUrl, weight);
    }

    private Bucket vaultBucket(String vault) {
        return buckets.computeIfAbsent(vault, v -> new Bucket(limits, ticker.nanoTime()));
    }

    private int activeCallers(ConcurrentMap<String, CallerShare> callers, long now) {
        long window = limits.window().toNanos();
        int active = 0;
        for (var entry : callers.entrySet()) {
            long idle = now - entry.getValue().lastSeen;
            if (idle <= window) {
                active++;
            } else if (idle > 10 * window) {
                callers.remove(entry.getKey(), entry.getValue());
            }
        }
        return Math.max(1, active);
    }

    private void sleep(URI vaultUrl, long waitNanos) {
        if (waitNanos <= 0) {
            return;
        }
        try {
            ticker.sleep(Duration.ofNanos(waitNanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VaultException(
                    VaultException.Kind.THROTTLED,
                    "interrupted while waiting for the rate limit of vault " + vaultUrl,
                    e);
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

    /** One caller's share of one vault, and when it last called. */
    private static final class CallerShare {
        final Bucket bucket;
        volatile long lastSeen;

        CallerShare(long now) {
            this.bucket = new Bucket(1, 0, now);
            this.lastSeen = now;
        }
    }

    /**
     * One bucket: a vault's, or a caller's share of it. Permits may go negative: that is the queue of callers already
     * promised a slot. A share's rate and capacity change with the number of callers, so they can be given per call.
     */
    private static final class Bucket {
        private double capacity;
        private double permitsPerNano;
        private double permits;
        private long updatedNanos;
        private boolean fresh = true;

        Bucket(Limits limits, long now) {
            this(limits.burst(), limits.permitsPerNano(), now);
            this.permits = capacity;
        }

        Bucket(double capacity, double permitsPerNano, long now) {
            this.capacity = capacity;
            this.permitsPerNano = permitsPerNano;
            this.permits = capacity;
            this.updatedNanos = now;
        }

        synchronized long reserve(
                long now, int weight, long maxWaitNanos, double newPermitsPerNano, double newCapacity) {
            resize(now, newPermitsPerNano, newCapacity);
            return reserve(now, weight, maxWaitNanos);
        }

        /** A share's rate and capacity follow the number of callers. */
        private void resize(long now, double newPermitsPerNano, double newCapacity) {
            refill(now);
            permitsPerNano = newPermitsPerNano;
            capacity = newCapacity;
            // A new caller starts with a full share; a share that shrank keeps no more than its new capacity.
            permits = fresh ? capacity : Math.min(permits, capacity);
            fresh = false;
        }

        /** Takes the permits if the share holds them now (at its current rate and capacity); never waits. */
        synchronized boolean tryTake(long now, int weight, double newPermitsPerNano, double newCapacity) {
            resize(now, newPermitsPerNano, newCapacity);
            return tryTake(now, weight, 0);
        }

        /** Takes the permits if at least {@code keep} stay in the bucket afterwards; never waits. */
        synchronized boolean tryTake(long now, int weight, double keep) {
            refill(now);
            if (permits - weight >= keep) {
                permits -= weight;
                return true;
            }
            return false;
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
