package dev.azurekeyvaultissuer.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses {@code --validity}: Go-style {@code 87600h}, {@code 3650d}, {@code 8760h30m}, or ISO-8601 {@code P3650D}. */
final class CreateCaDurations {

    private static final Pattern PART = Pattern.compile("(\\d+)([dhms])");
    private static final Pattern WHOLE = Pattern.compile("(\\d+[dhms])+");

    private CreateCaDurations() {}

    static Duration parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("p")) {
            try {
                return positive(Duration.parse(t.toUpperCase(Locale.ROOT)), text);
            } catch (DateTimeParseException e) {
                throw invalid(text);
            }
        }
        if (!WHOLE.matcher(t).matches()) {
            throw invalid(text);
        }
        Duration total = Duration.ZERO;
        Matcher m = PART.matcher(t);
        try {
            while (m.find()) {
                long n = Long.parseLong(m.group(1));
                total = total.plus(
                        switch (m.group(2)) {
                            case "d" -> Duration.ofDays(n);
                            case "h" -> Duration.ofHours(n);
                            case "m" -> Duration.ofMinutes(n);
                            default -> Duration.ofSeconds(n);
                        });
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw invalid(text);
        }
        return positive(total, text);
    }

    /** E.g. {@code 87600h (3650 days)}, {@code 90m}. */
    static String format(Duration d) {
        if (d.toSecondsPart() != 0 || d.toNanosPart() != 0) {
            return d.toSeconds() + "s";
        }
        if (d.toMinutesPart() != 0) {
            return d.toMinutes() + "m";
        }
        long hours = d.toHours();
        return hours % 24 == 0 ? hours + "h (" + hours / 24 + " days)" : hours + "h";
    }

    private static Duration positive(Duration d, String text) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("--validity " + text + " must be positive");
        }
        return d;
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException(
                "--validity \"" + text + "\" is not a duration: use e.g. 87600h, 3650d," + " 8760h30m or P3650D");
    }
}
