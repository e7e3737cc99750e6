package dev.azurekeyvaultissuer.emulator;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Calls per operation of one vault (sign, getKey, getSecret ...), counted for every request that carried a valid
 * token, whatever its outcome (injected faults and throttled calls included). Challenge round trips without a token are
 * counted apart as "unauthenticated", throttled answers also as "throttled".
 */
final class CallCounter {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    void increment(String operation) {
        counts.computeIfAbsent(operation, k -> new LongAdder()).increment();
    }

    long get(String operation) {
        LongAdder a = counts.get(operation);
        return a == null ? 0 : a.sum();
    }

    Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    void reset() {
        counts.clear();
    }
}
