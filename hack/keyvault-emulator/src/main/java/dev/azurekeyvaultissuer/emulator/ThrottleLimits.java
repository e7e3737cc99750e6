package dev.azurekeyvaultissuer.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;

/**
 * Per-vault request limits for throttling, modelled on Azure Key Vault's published service limits: per 10 seconds,
 * software RSA 2048-bit and EC keys 4000 crypto operations, RSA 3072-bit 1000, RSA 4096-bit 500; HSM-protected keys
 * half of that; 4000 for all other requests. Each key class and "other" has its own token bucket that refills evenly
 * over the window.
 */
public final class ThrottleLimits {
    private final int rsa2048AndEc;
    private final int rsa3072;
    private final int rsa4096;
    private final int other;
    private final double hsmFactor;
    private final Duration window;

    private ThrottleLimits(int rsa2048AndEc, int rsa3072, int rsa4096, int other, double hsmFactor, Duration window) {
        this.rsa2048AndEc = rsa2048AndEc;
        this.rsa3072 = rsa3072;
        this.rsa4096 = rsa4096;
        this.other = other;
        this.hsmFactor = hsmFactor;
        this.window = window;
    }

    /** Azure's published limits per 10 s (software keys; HSM keys half). */
    public static ThrottleLimits azure() {
        return new ThrottleLimits(4000, 1000, 500, 4000, 0.5, Duration.ofSeconds(10));
    }

    /** Explicit limits per 10 s, HSM keys half. */
    public static ThrottleLimits of(int rsa2048AndEc, int rsa3072, int rsa4096, int other) {
        return new ThrottleLimits(rsa2048AndEc, rsa3072, rsa4096, other, 0.5, Duration.ofSeconds(10));
    }

    /** Every limit multiplied by factor (at least 1), e.g. 0.001 for tests that want to hit the limit fast. */
    public ThrottleLimits scaled(double factor) {
        return new ThrottleLimits(
                scale(rsa2048AndEc, factor),
                scale(rsa3072, factor),
                scale(rsa4096, factor),
                scale(other, factor),
                hsmFactor,
                window);
    }

    public ThrottleLimits withWindow(Duration window) {
        return new ThrottleLimits(rsa2048AndEc, rsa3072, rsa4096, other, hsmFactor, window);
    }

    public ThrottleLimits withHsmFactor(double factor) {
        return new ThrottleLimits(rsa2048AndEc, rsa3072, rsa4096, other, factor, window);
    }

    public Duration window() {
        return window;
    }

    /** The limit per window for a throttle class: RSA-2048, RSA-3072, RSA-4096, EC (each optionally -HSM), other. */
    public int limitFor(String throttleClass) {
        boolean hsm = throttleClass.endsWith("-HSM");
        String base = hsm ? throttleClass.substring(0, throttleClass.length() - 4) : throttleClass;
        int limit = switch (base) {
            case "RSA-2048", "EC" -> rsa2048AndEc;
            case "RSA-3072" -> rsa3072;
            case "RSA-4096" -> rsa4096;
            default -> other;
        };
        return hsm ? scale(limit, hsmFactor) : limit;
    }

    /** The throttle class of a crypto operation on a key of this type. */
    static String classOf(KeyType type) {
        String base = type.isRsa() ? "RSA-" + type.size() : "EC";
        return type.isHsm() ? base + "-HSM" : base;
    }

    private static int scale(int value, double factor) {
        return Math.max(1, (int) Math.round(value * factor));
    }

    ObjectNode toJson() {
        ObjectNode n = Json.object();
        n.put("rsa2048AndEc", rsa2048AndEc);
        n.put("rsa3072", rsa3072);
        n.put("rsa4096", rsa4096);
        n.put("other", other);
        n.put("hsmFactor", hsmFactor);
        n.put("windowMillis", window.toMillis());
        return n;
    }

    static ThrottleLimits fromJson(JsonNode n) {
        ThrottleLimits base = azure();
        ThrottleLimits limits = new ThrottleLimits(
                n.path("rsa2048AndEc").asInt(base.rsa2048AndEc),
                n.path("rsa3072").asInt(base.rsa3072),
                n.path("rsa4096").asInt(base.rsa4096),
                n.path("other").asInt(base.other),
                n.path("hsmFactor").asDouble(base.hsmFactor),
                Duration.ofMillis(n.path("windowMillis").asLong(10_000)));
        return n.has("scale") ? limits.scaled(n.get("scale").asDouble()) : limits;
    }

    @Override
    public String toString() {
        return "per " + window.toSeconds() + "s: RSA-2048/EC " + rsa2048AndEc + ", RSA-3072 " + rsa3072 + ", RSA-4096 "
                + rsa4096 + ", other " + other + ", HSM x" + hsmFactor;
    }
}
