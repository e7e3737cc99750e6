package dev.azurekeyvaultissuer.issuer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which recorded checks wake the requests waiting for an issuer (SignerRegistry#onBecameReady). */
class SignerRegistryTest {

    private static final IssuerId CA = IssuerId.clusterIssuer("ca");
    private static final IssuerId TEAM = IssuerId.issuer("team", "ca");
    // The registry never looks into the signer.
    private static final IssuerHealth READY = new IssuerHealth.Ready(null);
    private static final IssuerHealth FAILED = new IssuerHealth.NotReady("VaultUnreachable", "down");

    private final SignerRegistry registry = new SignerRegistry();
    private final List<IssuerId> woken = new ArrayList<>();

    SignerRegistryTest() {
        registry.onBecameReady(woken::add);
    }

    @Test
    void theFirstReadyCheckInThisProcessWakes() {
        // After a start or a leader change the issuer's status may say Ready already: only this process's check counts.
        registry.record(CA, "uid-1", 1, READY);
        assertEquals(List.of(CA), woken);
    }

    @Test
    void resyncsThatStayReadyDoNotWake() {
        registry.record(CA, "uid-1", 1, READY);
        registry.record(CA, "uid-1", 1, READY);
        registry.record(CA, "uid-1", 1, READY);
        assertEquals(List.of(CA), woken);
    }

    @Test
    void notReadyNeverWakesAndReadyAfterItDoes() {
        registry.record(TEAM, "uid-1", 1, FAILED);
        assertEquals(List.of(), woken);
        registry.record(TEAM, "uid-1", 1, READY);
        assertEquals(List.of(TEAM), woken);
    }

    @Test
    void aNewGenerationOrObjectWakesAgain() {
        registry.record(CA, "uid-1", 1, READY);
        registry.record(CA, "uid-1", 2, READY);
        registry.record(CA, "uid-2", 1, READY);
        assertEquals(List.of(CA, CA, CA), woken);
    }

    @Test
    void forgottenThenReadyWakes() {
        registry.record(CA, "uid-1", 1, READY);
        registry.forget(CA);
        registry.record(CA, "uid-1", 1, READY);
        assertEquals(List.of(CA, CA), woken);
    }
}
