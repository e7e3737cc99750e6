package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.issuer.IssuerAvailability;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.issuer.SignerRegistry;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Optional;

/** Whether the issuer a request names can sign: the object in the informer's cache, and its recorded check. */
final class IssuerLookup {

    private IssuerLookup() {}

    /**
     * @param cached the issuer as the informer has it, empty when it does not exist; its UID and generation must
     *     match what was checked, so a re-created issuer never borrows its predecessor's check
     */
    static IssuerAvailability availability(
            SignerRegistry registry, IssuerId id, Optional<? extends HasMetadata> cached) {
        if (cached.isEmpty()) {
            // What was checked for it is dropped by the issuer reconciler on the delete event, not here: another
            // informer's cache may simply not have seen a new issuer yet.
            return new IssuerAvailability.Missing(id.toString());
        }
        Long generation = cached.get().getMetadata().getGeneration();
        return registry.availability(id, cached.get().getMetadata().getUid(), generation == null ? 0 : generation);
    }
}
