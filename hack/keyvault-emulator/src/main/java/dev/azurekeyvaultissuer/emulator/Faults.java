package dev.azurekeyvaultissuer.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fault injection for one vault, changeable at any time (Java API, admin endpoint, CLI flags, config file).
 *
 * <p>Operations are named like the call counters: sign, verify, getKey, listKeys, createKey, getSecret, setSecret,
 * getCertificate ... or {@link #ANY} for every operation. An operation's own setting wins over ANY. Faults apply to
 * authenticated requests only (the auth challenge always works) in this order: latency, connection reset, error
 * status, throttling.
 */
public final class Faults {
    /** Matches every operation. */
    public static final String ANY = "*";

    private final Map<String, Duration[]> latency = new ConcurrentHashMap<>();
    private final Map<String, double[]> errorRates = new ConcurrentHashMap<>();
    private final Map<String, Double> resetRates = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> failNext = new ConcurrentHashMap<>();
    private final Map<String, Integer> failNextStatus = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> resetNext = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> throttleNext = new ConcurrentHashMap<>();
    private volatile ThrottleLimits throttling;
    private volatile Duration retryAfter;
    private final Random random = new Random();

    Faults() {}

    /** Adds latency to every operation: base plus a uniformly random 0..jitter. */
    public Faults latency(Duration base, Duration jitter) {
        return latency(ANY, base, jitter);
    }

    public Faults latency(String operation, Duration base, Duration jitter) {
        latency.put(operation, new Duration[] {base, jitter == null ? Duration.ZERO : jitter});
        return this;
    }

    /** Answers slower than a client's timeout: the operation waits this long before answering. */
    public Faults hang(String operation, Duration duration) {
        return latency(operation, duration, Duration.ZERO);
    }

    /** Fails this fraction (0..1) of every operation with the status (500 or 503). */
    public Faults errorRate(double rate, int status) {
        return errorRate(ANY, rate, status);
    }

    public Faults errorRate(String operation, double rate, int status) {
        errorRates.put(operation, new double[] {rate, status});
        return this;
    }

    /** Closes the connection without an answer for this fraction of every operation. */
    public Faults resetRate(double rate) {
        return resetRate(ANY, rate);
    }

    public Faults resetRate(String operation, double rate) {
        resetRates.put(operation, rate);
        return this;
    }

    /** The next count calls of the operation fail with the status: deterministic, for tests. */
    public Faults failNext(String operation, int count, int status) {
        failNext.computeIfAbsent(operation, k -> new AtomicInteger()).set(count);
        failNextStatus.put(operation, status);
        return this;
    }

    /** The next count calls of the operation get their connection closed without an answer. */
    public Faults resetNext(String operation, int count) {
        resetNext.computeIfAbsent(operation, k -> new AtomicInteger()).set(count);
        return this;
    }

    /** The next count calls of the operation are answered 429 Throttled, whatever the token buckets say. */
    public Faults throttleNext(String operation, int count) {
        throttleNext.computeIfAbsent(operation, k -> new AtomicInteger()).set(count);
        return this;
    }

    /** Turns on token-bucket throttling with these limits (see {@link ThrottleLimits#azure()}). */
    public Faults throttling(ThrottleLimits limits) {
        this.throttling = limits;
        return this;
    }

    public Faults throttlingOff() {
        this.throttling = null;
        return this;
    }

    /** 429 answers carry Retry-After (whole seconds, at least 1) ... */
    public Faults retryAfter(Duration delay) {
        this.retryAfter = delay;
        return this;
    }

    /** ... or none, as Key Vault often answers. This is the default. */
    public Faults noRetryAfter() {
        this.retryAfter = null;
        return this;
    }

    /** Removes every fault and turns throttling off. */
    public Faults clear() {
        latency.clear();
        errorRates.clear();
        resetRates.clear();
        failNext.clear();
        failNextStatus.clear();
        resetNext.clear();
        throttleNext.clear();
        throttling = null;
        retryAfter = null;
        return this;
    }

    ThrottleLimits throttlingLimits() {
        return throttling;
    }

    Duration retryAfterDelay() {
        return retryAfter;
    }

    long latencyMillis(String op) {
        Duration[] d = latency.getOrDefault(op, latency.get(ANY));
        if (d == null) {
            return 0;
        }
        long jitter = d[1].toMillis();
        return d[0].toMillis() + (jitter > 0 ? (long) (random.nextDouble() * jitter) : 0);
    }

    boolean takeReset(String op) {
        if (take(resetNext, op)) {
            return true;
        }
        Double rate = resetRates.getOrDefault(op, resetRates.get(ANY));
        return rate != null && random.nextDouble() < rate;
    }

    /** The injected error status for this call, or 0. */
    int takeError(String op) {
        if (take(failNext, op)) {
            return failNextStatus.getOrDefault(op, failNextStatus.getOrDefault(ANY, 503));
        }
        double[] rate = errorRates.getOrDefault(op, errorRates.get(ANY));
        return rate != null && random.nextDouble() < rate[0] ? (int) rate[1] : 0;
    }

    boolean takeForcedThrottle(String op) {
        return take(throttleNext, op);
    }

    private static boolean take(Map<String, AtomicInteger> counters, String op) {
        for (String key : new String[] {op, ANY}) {
            AtomicInteger c = counters.get(key);
            if (c != null && c.getAndUpdate(v -> v > 0 ? v - 1 : 0) > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Applies a JSON description (admin endpoint and config file):
     * {"latency":{"sign":{"baseMs":50,"jitterMs":20}}, "errors":{"*":{"rate":0.1,"status":503}},
     * "resets":{"*":0.05}, "failNext":{"sign":{"count":2,"status":500}}, "resetNext":{"sign":1},
     * "throttleNext":{"sign":3}, "throttling":{"enabled":true,"scale":0.01,"retryAfterSeconds":1}}.
     * With "clear":true everything is removed first. A top-level "retryAfterSeconds" sets Retry-After alone, leaving
     * throttling on or off as it was.
     */
    public Faults apply(String json) {
        apply(Json.parse(json));
        return this;
    }

    void apply(JsonNode n) {
        if (n.path("clear").asBoolean(false)) {
            clear();
        }
        n.path("latency")
                .fields()
                .forEachRemaining(e -> latency(
                        e.getKey(),
                        Duration.ofMillis(e.getValue().path("baseMs").asLong()),
                        Duration.ofMillis(e.getValue().path("jitterMs").asLong())));
        n.path("errors")
                .fields()
                .forEachRemaining(e -> errorRate(
                        e.getKey(),
                        e.getValue().path("rate").asDouble(),
                        e.getValue().path("status").asInt(503)));
        n.path("resets")
                .fields()
                .forEachRemaining(e -> resetRate(e.getKey(), e.getValue().asDouble()));
        n.path("failNext")
                .fields()
                .forEachRemaining(e -> failNext(
                        e.getKey(),
                        e.getValue().path("count").asInt(1),
                        e.getValue().path("status").asInt(503)));
        n.path("resetNext")
                .fields()
                .forEachRemaining(e -> resetNext(e.getKey(), e.getValue().asInt()));
        n.path("throttleNext")
                .fields()
                .forEachRemaining(e -> throttleNext(e.getKey(), e.getValue().asInt()));
        if (n.has("retryAfterSeconds")) {
            retryAfterSeconds(n.get("retryAfterSeconds").asLong());
        }
        JsonNode t = n.get("throttling");
        if (t != null && t.isObject()) {
            if (t.path("enabled").asBoolean(true)) {
                throttling(ThrottleLimits.fromJson(t));
            } else {
                throttlingOff();
            }
            if (t.has("retryAfterSeconds")) {
                retryAfterSeconds(t.get("retryAfterSeconds").asLong());
            }
        }
    }

    private void retryAfterSeconds(long seconds) {
        retryAfter = seconds > 0 ? Duration.ofSeconds(seconds) : null;
    }

    ObjectNode toJson() {
        ObjectNode n = Json.object();
        ObjectNode lat = n.putObject("latency");
        latency.forEach(
                (k, v) -> lat.putObject(k).put("baseMs", v[0].toMillis()).put("jitterMs", v[1].toMillis()));
        ObjectNode err = n.putObject("errors");
        errorRates.forEach((k, v) -> err.putObject(k).put("rate", v[0]).put("status", (int) v[1]));
        ObjectNode res = n.putObject("resets");
        resetRates.forEach(res::put);
        ObjectNode fn = n.putObject("failNext");
        failNext.forEach(
                (k, v) -> fn.putObject(k).put("count", v.get()).put("status", failNextStatus.getOrDefault(k, 503)));
        ObjectNode rn = n.putObject("resetNext");
        resetNext.forEach((k, v) -> rn.put(k, v.get()));
        ObjectNode tn = n.putObject("throttleNext");
        throttleNext.forEach((k, v) -> tn.put(k, v.get()));
        ThrottleLimits limits = throttling;
        ObjectNode th = limits == null ? Json.object() : limits.toJson();
        th.put("enabled", limits != null);
        Duration ra = retryAfter;
        th.put("retryAfterSeconds", ra == null ? 0 : ra.toSeconds());
        n.set("throttling", th);
        return n;
    }

    @Override
    public String toString() {
        return toJson().toString();
    }
}
