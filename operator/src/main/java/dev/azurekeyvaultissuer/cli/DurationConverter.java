package dev.azurekeyvaultissuer.cli;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;

/** Accepts Go-style durations as cert-manager users write them (30s, 5m, 1h, 90d) and ISO-8601 (PT5M). */
final class DurationConverter implements ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.startsWith("p")) {
            return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
        }
        if (v.length() < 2) {
            throw new IllegalArgumentException("\"" + value + "\" is not a duration such as 30s, 5m, 1h or PT5M");
        }
        long amount;
        try {
            amount = Long.parseLong(v.substring(0, v.length() - 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + value + "\" is not a duration such as 30s, 5m, 1h or PT5M");
        }
        return switch (v.charAt(v.length() - 1)) {
            case 's' -> Duration.ofSeconds(amount);
            case 'm' -> Duration.ofMinutes(amount);
            case 'h' -> Duration.ofHours(amount);
            case 'd' -> Duration.ofDays(amount);
            default ->
                throw new IllegalArgumentException("\"" + value + "\" is not a duration such as 30s, 5m, 1h or PT5M");
        };
    }
}
