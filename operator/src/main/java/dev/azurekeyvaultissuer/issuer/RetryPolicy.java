package dev.azurekeyvaultissuer.issuer;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When to look at a pending request again and when to give up. The wait grows with the request's age (half of it,
 * between a floor and a ceiling), which spaces retries exponentially without keeping a counter anywhere; a vault's
 * Retry-After is honoured when it asks for longer. Jitter keeps many throttled requests from returning together.
 */
public record RetryPolicy(Duration maxRetryDuration, Duration minDelay, Duration maxDelay) {

    public static RetryPolicy withMaxRetryDuration(Duration maxRetryDuration) {
        return new RetryPolicy(maxRetryDuration, Duration.ofSeconds(2), Duration.ofMinutes(5));
    }

    public boolean exhausted(Instant createdAt, Instant now) {
        return Duration.between(createdAt, now).compareTo(maxRetryDuration) >= 0;
    }

    public Duration nextDelay(Instant createdAt, Instant now, Optional<Duration> retryAfter) {
        Duration age = Duration.between(createdAt, now);
        Duration delay = clamp(age.dividedBy(2));
        long jitterMillis = ThreadLocalRandom.current().nextLong(delay.toMillis() / 5 + 1);
        delay = delay.plusMillis(jitterMillis);
        if (retryAfter.isPresent() && retryAfter.get().compareTo(delay) > 0) {
            delay = retryAfter.get();
        }
        return delay;
    }

    private Duration clamp(Duration d) {
        if (d.compareTo(minDelay) < 0) {
            return minDelay;
        }
        return d.compareTo(maxDelay) > 0 ? maxDelay : d;
    }
}
