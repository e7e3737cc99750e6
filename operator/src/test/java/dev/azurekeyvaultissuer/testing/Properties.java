package dev.azurekeyvaultissuer.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Function;

/**
 * A small property-based test runner: a generator makes each input from a seeded {@link Random} (so any failure is
 * reproduced by its seed), the property decides what the code under test did with it. Every outcome is counted by
 * kind; an unexpected exception fails the run with the seed and a description of the input; the time of each input
 * is measured and the slowest reported (only an absurd bound fails: the machine is shared), after a warm-up.
 */
public final class Properties {

    /** What the code did with one input: accepted, or refused with this reason. */
    public record Outcome(String kind, String detail) {

        public static Outcome accepted(String kind) {
            return new Outcome("accepted: " + kind, "");
        }

        public static Outcome refused(String reason) {
            return new Outcome("refused", reason);
        }
    }

    /** One generated input: its description for a failure report, and the value. */
    public record Case<T>(String description, T value) {}

    /** Per input: run the code under test, return its outcome, throw {@link AssertionError} if it broke a rule. */
    public interface Property<T> {
        Outcome check(T input) throws Exception;
    }

    /** The counts of one run. */
    public record Report(
            String name,
            int inputs,
            java.util.Map<String, Integer> outcomes,
            long slowestNanos,
            String slowest,
            double meanMicros) {

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "%s: %d inputs, %s; mean %.0f µs, slowest %.1f ms (%s)",
                    name,
                    inputs,
                    outcomes,
                    meanMicros,
                    slowestNanos / 1e6,
                    slowest);
        }
    }

    /** An input that took longer than this is a failure however busy the machine is. */
    public static final long ABSURD_NANOS = 2_000_000_000L;
    /** The first inputs load classes and warm the JIT: their time is not counted. */
    private static final int WARM_UP = 50;

    private Properties() {}

    /**
     * Runs {@code count} inputs made by {@code generator} from seeds {@code baseSeed, baseSeed + 1, ...}.
     *
     * @throws AssertionError naming the seed and input of the first input that failed
     */
    public static <T> Report run(
            String name, long baseSeed, int count, Function<Random, Case<T>> generator, Property<T> property) {
        java.util.Map<String, Integer> outcomes = new java.util.TreeMap<>();
        long slowest = 0;
        String slowestInput = "";
        long total = 0;
        List<String> refusalsWithoutReason = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long seed = baseSeed + i;
            Case<T> input = generator.apply(new Random(seed));
            long t0 = System.nanoTime();
            Outcome outcome;
            try {
                outcome = property.check(input.value());
            } catch (AssertionError e) {
                throw new AssertionError(
                        name + ": seed " + seed + " broke the property: " + e.getMessage() + "\n  input: "
                                + input.description(),
                        e);
            } catch (Throwable e) {
                throw new AssertionError(
                        name + ": seed " + seed + " threw " + e + "\n  input: " + input.description(), e);
            }
            long took = System.nanoTime() - t0;
            outcomes.merge(outcome.kind(), 1, Integer::sum);
            if (outcome.kind().equals("refused")
                    && (outcome.detail() == null || outcome.detail().isBlank())) {
                refusalsWithoutReason.add("seed " + seed + ": " + input.description());
            }
            if (i < WARM_UP) {
                continue;
            }
            total += took;
            if (took > slowest) {
                slowest = took;
                slowestInput = abbreviate(input.description());
            }
            if (took > ABSURD_NANOS) {
                throw new AssertionError(
                        name + ": seed " + seed + " took " + took / 1_000_000 + " ms\n  input: " + input.description());
            }
        }
        if (!refusalsWithoutReason.isEmpty()) {
            throw new AssertionError(name + ": refused without a reason: " + refusalsWithoutReason);
        }
        Report report =
                new Report(name, count, outcomes, slowest, slowestInput, total / 1e3 / Math.max(1, count - WARM_UP));
        System.out.println(report);
        return report;
    }

    private static String abbreviate(String s) {
        return s.length() <= 160 ? s : s.substring(0, 160) + "...";
    }

    // ---- generator helpers

    public static <T> T oneOf(Random random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    @SafeVarargs
    public static <T> T oneOf(Random random, T... values) {
        return values[random.nextInt(values.length)];
    }

    /** Characters a hostile or careless spec may hold: ASCII, separators, controls, non-ASCII, surrogates. */
    private static final String ALPHABET = "abcxyzABZ0189-_.:/@%?#&=+*~ !\"'`\\;,<>[]{}()|$^\t\n\r\u0000\u007f"
            + "éü\u00a0\u200b\u202eж中\ud83d\ude00\ud800";

    public static String junk(Random random, int maxLength) {
        int length = random.nextInt(maxLength + 1);
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }

    /** A string mutated: a character inserted, removed, replaced, a part repeated, or cut. */
    public static String mutate(Random random, String s) {
        if (s == null) {
            return junk(random, 8);
        }
        StringBuilder b = new StringBuilder(s);
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits; e++) {
            int at = b.length() == 0 ? 0 : random.nextInt(b.length());
            switch (random.nextInt(5)) {
                case 0 -> b.insert(at, junk(random, 3));
                case 1 -> {
                    if (b.length() > 0) {
                        b.deleteCharAt(at);
                    }
                }
                case 2 -> {
                    if (b.length() > 0) {
                        b.setCharAt(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                    }
                }
                case 3 -> b.insert(at, b.substring(at, Math.min(b.length(), at + 1 + random.nextInt(8))));
                default -> b.setLength(at);
            }
        }
        return b.toString();
    }
}
