package dev.azurekeyvaultissuer.controller;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
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
        Optional<Condition> previous = find(existing, READY);
        String status = ready ? "True" : "False";
        String transition = previous.filter(p -> status.equals(p.getStatus()))
                .map(Condition::getLastTransitionTime)
                .orElseGet(() -> timestamp(now));
        Condition condition = new ConditionBuilder()
                .withType(READY)
                .withStatus(status)
                .withReason(reason)
                .withMessage(StatusText.cap(message))
                .withObservedGeneration(generation)
                .withLastTransitionTime(transition)
                .build();
        List<Condition> result = new ArrayList<>();
        if (existing != null) {
            existing.stream().filter(c -> !READY.equals(c.getType())).forEach(result::add);
        }
        result.add(condition);
        return result;
    }

    static boolean sameReady(List<Condition> existing, boolean ready, String reason, String message, long generation) {
        return find(existing, READY)
                .filter(c -> (ready ? "True" : "False").equals(c.getStatus())
                        && Objects.equals(reason, c.getReason())
                        && Objects.equals(StatusText.cap(message), c.getMessage())
                        && Objects.equals(generation, c.getObservedGeneration()))
                .isPresent();
    }

    static String timestamp(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }
}
