package dev.azurekeyvaultissuer.controller;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go's {@code time.ParseDuration} format, which cert-manager's {@code experimental.cert-manager.io/request-duration}
 * annotation uses on CertificateSigningRequests: "2160h", "1h30m", "90m", "1.5h", "3600s".
 */
final class GoDurations {

    private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|ms|s|m|h)");
    private static final Map<String, BigDecimal> NANOS = Map.of(
            "ns",
            BigDecimal.ONE,
            "us",
            BigDecimal.valueOf(1_000),
            "µs",
            BigDecimal.valueOf(1_000),
            "ms",
            BigDecimal.valueOf(1_000_000),
            "s",
            BigDecimal.valueOf(1_000_000_000L),
            "m",
            BigDecimal.valueOf(60_000_000_000L),
            "h",
            BigDecimal.valueOf(3_600_000_000_000L));
    // Go's limit: about 290 years.
    private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

    private GoDurations() {}

    /** @throws IllegalArgumentException with Go's wording of the problem */
    static Duration parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("invalid duration \"\"");
        }
        String s = text;
        boolean negative = false;
        if (s.startsWith("-") || s.startsWith("+")) {
            negative = s.startsWith("-");
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = PART.matcher(s);
        int at = 0;
        BigDecimal total = BigDecimal.ZERO;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException(
                        "invalid duration \"" + text + "\": use Go's format, e.g. 720h or " + "1h30m");
            }
            total = total.add(new BigDecimal(m.group(1).startsWith(".") ? "0" + m.group(1) : m.group(1))
                    .multiply(NANOS.get(m.group(2))));
            if (total.compareTo(MAX_NANOS) > 0) {
                throw new IllegalArgumentException("invalid duration \"" + text + "\": longer than 290 years");
            }
            at = m.end();
        }
        long nanos = total.longValue();
        return Duration.ofNanos(negative ? -nanos : nanos);
    }
}
