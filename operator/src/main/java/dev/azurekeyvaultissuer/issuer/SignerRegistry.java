package dev.azurekeyvaultissuer.issuer;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The outcome of each issuer's last check, per issuer generation. The issuer reconciler writes it on every resync;
 * the request reconciler reads it, so signing never has to load keys or CA certificates.
 */
public final class SignerRegistry {

    private record Entry(long generation, IssuerHealth health) {
    }

    private final ConcurrentMap<IssuerId, Entry> entries = new ConcurrentHashMap<>();

    public void record(IssuerId issuer, long generation, IssuerHealth health) {
        entries.put(issuer, new Entry(generation, health));
    }

    public void forget(IssuerId issuer) {
        entries.remove(issuer);
    }

    /** The health recorded for exactly this generation; empty when the issuer changed since its last check. */
    public Optional<IssuerHealth> healthOf(IssuerId issuer, long generation) {
        Entry entry = entries.get(issuer);
        return entry != null && entry.generation() == generation ? Optional.of(entry.health()) : Optional.empty();
    }

    /** Whether the issuer is checked and ready at this generation, as a request sees it. */
    public IssuerAvailability availability(IssuerId issuer, long generation) {
        return healthOf(issuer, generation)
                .<IssuerAvailability>map(h -> h instanceof IssuerHealth.Ready r
                        ? new IssuerAvailability.Ready(r.signer())
                        : new IssuerAvailability.NotReady(issuer.toString(), ((IssuerHealth.NotReady) h).message()))
                .orElseGet(() -> new IssuerAvailability.NotReady(issuer.toString(), "it has not been checked yet"));
    }

    public int size() {
        return entries.size();
    }
}
