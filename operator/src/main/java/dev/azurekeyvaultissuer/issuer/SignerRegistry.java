package dev.azurekeyvaultissuer.issuer;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The outcome of each issuer's last check, per issuer object and generation. The issuer reconciler writes it on
 * every resync; the request reconciler reads it, so signing never has to load keys or CA certificates.
 *
 * <p>Entries are keyed by the issuer's UID as well as its generation: an Issuer deleted and created again under the
 * same name starts at generation 1 again, and must never sign with what was checked for the old one (its key, its
 * credentials) before its own first check.
 */
public final class SignerRegistry {

    /**
     * @param refusedAt set when the health is a refusal met while signing ({@link #refuseSigning}), not a check's
     */
    private record Entry(String uid, long generation, IssuerHealth health, Instant refusedAt) {}

    /** The vault refused to sign for this issuer at {@code at}; the issuer shows it until its next check. */
    public record SigningRefusal(IssuerHealth.NotReady health, Instant at) {}

    private final ConcurrentMap<IssuerId, Entry> entries = new ConcurrentHashMap<>();
    private final List<Consumer<IssuerId>> readyListeners = new CopyOnWriteArrayList<>();

    public void record(IssuerId issuer, String uid, long generation, IssuerHealth health) {
        Entry entry = new Entry(Objects.requireNonNull(uid, "uid"), generation, health, null);
        Entry previous = entries.put(issuer, entry);
        if (health instanceof IssuerHealth.Ready && !wasReady(previous, entry)) {
            readyListeners.forEach(l -> l.accept(issuer));
        }
    }

    /**
     * Records a check only if nothing is recorded for this object and generation yet: for a standby's check that
     * finishes after its replica began to lead, which must never replace what the leader's own check recorded.
     */
    public void recordIfUnchecked(IssuerId issuer, String uid, long generation, IssuerHealth health) {
        Objects.requireNonNull(uid, "uid");
        entries.compute(
                issuer,
                (id, entry) -> entry != null && entry.uid().equals(uid) && entry.generation() == generation
                        ? entry
                        : new Entry(uid, generation, health, null));
    }

    private static boolean wasReady(Entry previous, Entry now) {
        return previous != null
                && previous.health() instanceof IssuerHealth.Ready
                && previous.uid().equals(now.uid())
                && previous.generation() == now.generation();
    }

    /**
     * Called with an issuer when it becomes ready for requests: its first Ready check in this process (after a
     * start or a leader change, when the issuer's status says Ready already and no issuer event follows), a Ready
     * check after a failed one, or of a new generation. Requests waiting for it then need not wait for their retry.
     */
    public void onBecameReady(Consumer<IssuerId> listener) {
        readyListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * The vault refused a sign call made with {@code signer} for a reason of the issuer's: the issuer is not ready
     * from now on, for the object and generation that signer was checked for, until its next check records
     * something else. Only the first refusal of a signer counts: a newer check is never overwritten, nor an earlier
     * refusal of the same signer.
     *
     * @return whether this call recorded it (the caller then has the issuer's status updated)
     */
    public boolean refuseSigning(IssuerId issuer, IssuerSigner signer, IssuerHealth.NotReady refusal, Instant at) {
        boolean[] recorded = {false};
        entries.computeIfPresent(issuer, (id, entry) -> {
            if (entry.health() instanceof IssuerHealth.Ready ready && ready.signer() == signer) {
                recorded[0] = true;
                return new Entry(entry.uid(), entry.generation(), refusal, at);
            }
            return entry;
        });
        return recorded[0];
    }

    /** The refusal recorded for exactly this object and generation since its last check, if any. */
    public Optional<SigningRefusal> signingRefusal(IssuerId issuer, String uid, long generation) {
        Entry entry = entries.get(issuer);
        return entry != null && entry.refusedAt() != null && entry.uid().equals(uid) && entry.generation() == generation
                ? Optional.of(new SigningRefusal((IssuerHealth.NotReady) entry.health(), entry.refusedAt()))
                : Optional.empty();
    }

    /** What a request of this issuer is told while the issuer is not ready for this reason. */
    public static IssuerAvailability.NotReady notReady(IssuerId issuer, IssuerHealth.NotReady notReady) {
        return new IssuerAvailability.NotReady(issuer.toString(), why(issuer, notReady));
    }

    public void forget(IssuerId issuer) {
        entries.remove(issuer);
    }

    /** The health recorded for exactly this object and generation; empty when it changed since its last check. */
    public Optional<IssuerHealth> healthOf(IssuerId issuer, String uid, long generation) {
        Entry entry = entries.get(issuer);
        return entry != null && entry.uid().equals(uid) && entry.generation() == generation
                ? Optional.of(entry.health())
                : Optional.empty();
    }

    /**
     * Whether the issuer is checked and ready at this generation, as a request sees it. A ClusterIssuer's failure
     * text names vaults, identities and files of the administrator's; requests belong to tenants, so they get its
     * reason only, and the details stay on the ClusterIssuer's status and Events.
     */
    public IssuerAvailability availability(IssuerId issuer, String uid, long generation) {
        return healthOf(issuer, uid, generation)
                .<IssuerAvailability>map(h -> h instanceof IssuerHealth.Ready r
                        ? new IssuerAvailability.Ready(r.signer())
                        : notReady(issuer, (IssuerHealth.NotReady) h))
                .orElseGet(
                        () -> new IssuerAvailability.NotReady(issuer.toString(), "it has not been checked yet", false));
    }

    private static String why(IssuerId issuer, IssuerHealth.NotReady notReady) {
        return issuer.isClusterIssuer()
                ? notReady.reason() + " (the ClusterIssuer's status and events have the details)"
                : notReady.message();
    }

    public int size() {
        return entries.size();
    }
}
