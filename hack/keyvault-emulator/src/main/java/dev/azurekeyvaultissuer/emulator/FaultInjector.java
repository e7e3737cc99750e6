package dev.azurekeyvaultissuer.emulator;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Turns a vault's {@link Faults} into what happens to one request: wait, reset, error, throttle or proceed. */
final class FaultInjector {
    /** Thrown to make the server drop the connection without answering. */
    static final class ConnectionReset extends RuntimeException {
        ConnectionReset() {
            super("injected connection reset", null, false, false);
        }
    }

    private final Faults faults;
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    private volatile ThrottleLimits bucketsFor;

    FaultInjector(Faults faults) {
        this.faults = faults;
    }

    Faults faults() {
        return faults;
    }

    /** Applies the faults for one authenticated call; returns normally when the call should proceed. */
    void apply(String operation, String throttleClass, CallCounter counter) throws InterruptedException {
        long delay = faults.latencyMillis(operation);
        if (delay > 0) {
            Thread.sleep(delay);
        }
        if (faults.takeReset(operation)) {
            counter.increment("reset");
            throw new ConnectionReset();
        }
        int status = faults.takeError(operation);
        if (status > 0) {
            counter.increment("faulted");
            throw ErrorResponses.injected(status);
        }
        if (faults.takeForcedThrottle(operation) || !takeToken(throttleClass)) {
            counter.increment("throttled");
            ApiException e = ErrorResponses.throttled();
            Duration retryAfter = faults.retryAfterDelay();
            if (retryAfter != null) {
                e.header("Retry-After", Long.toString(Math.max(1, retryAfter.toSeconds())));
            }
            throw e;
        }
    }

    private boolean takeToken(String throttleClass) {
        ThrottleLimits limits = faults.throttlingLimits();
        if (limits == null) {
            return true;
        }
        if (limits != bucketsFor) {
            synchronized (this) {
                if (limits != bucketsFor) {
                    buckets.clear();
                    bucketsFor = limits;
                }
            }
        }
        return buckets.computeIfAbsent(throttleClass, c -> new TokenBucket(limits.limitFor(c), limits.window()))
                .tryTake();
    }

    /** A bucket holding up to capacity tokens, refilled evenly: capacity per window. */
    static final class TokenBucket {
        private final double capacity;
        private final double perNano;
        private double tokens;
        private long last;

        TokenBucket(int capacity, Duration window) {
            this.capacity = capacity;
            this.perNano = capacity / (double) window.toNanos();
            this.tokens = capacity;
            this.last = System.nanoTime();
        }

        synchronized boolean tryTake() {
            long now = System.nanoTime();
            tokens = Math.min(capacity, tokens + (now - last) * perNano);
            last = now;
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }
    }
}
