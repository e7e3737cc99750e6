package dev.azurekeyvaultissuer.controller;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Builds an issuer's Ready condition, keeping lastTransitionTime while the status stays the same. */
final class Conditions {

    static final String READY = "Ready";

    private Conditions() {}

    static Optional<Condition> find(List<Condition> conditions, String type) {
        return conditions == null
                ? Optional.empty()
                : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    static List<Condition> withReady(
            List<Condition> existing, boolean ready, String reason, String message, long generation, Instant now) {
        return with(existing, READY, ready, reason, message, generation, now);
    }

    /** The conditions with {@code type} set (replacing one of that type), keeping its transition time if unchanged. */
    static List<Condition> with(
            List<Condition> existing,
            String type,
            boolean ready,
            String reason,
            String message,
            long generation,
            Instant now) {
        Optional<Condition> previous = find(existing, type);
        String status = ready ? "True" : "False";
        String transition = previous.filter(p -> status.equals(p.getStatus()))
                .map(Condition::getLastTransitionTime)
                .orElseGet(() -> timestamp(now));
        Condition condition = new ConditionBuilder()
                .withType(type)
                .withStatus(status)
                .withReason(reason)
                .withMessage(StatusText.cap(message))
                .withObservedGeneration(generation)
                .withLastTransitionTime(transition)
                .build();
        List<Condition> result = new ArrayList<>();
        if (existing != null) {
            existing.stream().filter(c -> !type.equals(c.getType())).forEach(result::add);
        }
        result.add(condition);
        result.sort(java.util.Comparator.comparing(Condition::getType));
        return result;
    }

    /** The conditions without any of {@code type}. */
    static List<Condition> without(List<Condition> existing, String type) {
        List<Condition> result = new ArrayList<>();
        if (existing != null) {
            existing.stream().filter(c -> !type.equals(c.getType())).forEach(result::add);
        }
        return result;
    }

    static String timestamp(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }
}
