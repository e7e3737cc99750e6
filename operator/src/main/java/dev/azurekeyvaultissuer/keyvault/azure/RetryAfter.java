package dev.azurekeyvaultissuer.keyvault.azure;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.function.Function;

/**
 * The delay a throttled or unavailable Azure service asks for, read from the headers Azure uses, in the SDK's order:
 * {@code x-ms-retry-after-ms}, {@code retry-after-ms}, then {@code Retry-After} as seconds or an HTTP date. Key Vault
 * often sends none of them, so an empty result is the normal case.
 */
final class RetryAfter {

    private RetryAfter() {}

    static Optional<Duration> parse(Function<String, String> header, Instant now) {
        Optional<Duration> millis = millis(header.apply("x-ms-retry-after-ms"));
        if (millis.isPresent()) {
            return millis;
        }
        millis = millis(header.apply("retry-after-ms"));
        if (millis.isPresent()) {
            return millis;
        }
        String value = header.apply("Retry-After");
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            long seconds = Long.parseLong(value.trim());
            return seconds >= 0 ? Optional.of(Duration.ofSeconds(seconds)) : Optional.empty();
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant();
                Duration wait = Duration.between(now, at);
                return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }

    private static Optional<Duration> millis(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            long ms = Long.parseLong(value.trim());
            return ms >= 0 ? Optional.of(Duration.ofMillis(ms)) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
