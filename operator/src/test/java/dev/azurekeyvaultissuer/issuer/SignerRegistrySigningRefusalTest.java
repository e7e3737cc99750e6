package dev.azurekeyvaultissuer.issuer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the registry records for a refusal met while signing, and what it never overwrites. */
class SignerRegistrySigningRefusalTest {

    private static final Instant AT = Instant.parse("2026-03-01T00:00:00Z");
    private static final IssuerId TEAM = IssuerId.issuer("team", "ca");
    private static final IssuerId SHARED = IssuerId.clusterIssuer("shared");
    private static final IssuerHealth.NotReady DENIED = new IssuerHealth.NotReady(
            IssuerReasons.ACCESS_DENIED, "the vault refused to sign: grant keys sign to client 1234");

    private final SignerRegistry registry = new SignerRegistry();
    // Records compare by identity here: each check makes a new signer.
    private final IssuerSigner checked = new IssuerSigner(null, null, null, null, null, null);
    private final IssuerSigner recheckedLater = new IssuerSigner(null, null, null, null, null, null);

    @Test
    void theFirstRefusalOfASignerMakesItsIssuerNotReady() {
        registry.record(TEAM, "uid", 3, new IssuerHealth.Ready(checked));

        assertTrue(registry.refuseSigning(TEAM, checked, DENIED, AT));
        assertFalse(registry.refuseSigning(TEAM, checked, DENIED, AT.plusSeconds(1)), "one refusal, one recheck");

        var seen = assertInstanceOf(IssuerAvailability.NotReady.class, registry.availability(TEAM, "uid", 3));
        assertEquals(DENIED.message(), seen.why());
        assertEquals(
                Optional.of(new SignerRegistry.SigningRefusal(DENIED, AT)), registry.signingRefusal(TEAM, "uid", 3));
        assertEquals(Optional.empty(), registry.signingRefusal(TEAM, "uid", 4), "another generation");
        assertEquals(Optional.empty(), registry.signingRefusal(TEAM, "other-uid", 3), "another object");
    }

    @Test
    void aNewerCheckIsNeverOverwrittenByALateRefusal() {
        registry.record(TEAM, "uid", 1, new IssuerHealth.Ready(checked));
        registry.record(TEAM, "uid", 1, new IssuerHealth.Ready(recheckedLater));

        assertFalse(registry.refuseSigning(TEAM, checked, DENIED, AT));
        assertInstanceOf(IssuerAvailability.Ready.class, registry.availability(TEAM, "uid", 1));
    }

    @Test
    void aCheckAfterTheRefusalReplacesIt() {
        registry.record(TEAM, "uid", 1, new IssuerHealth.Ready(checked));
        registry.refuseSigning(TEAM, checked, DENIED, AT);

        registry.record(TEAM, "uid", 1, new IssuerHealth.Ready(recheckedLater));

        assertEquals(Optional.empty(), registry.signingRefusal(TEAM, "uid", 1));
        assertInstanceOf(IssuerAvailability.Ready.class, registry.availability(TEAM, "uid", 1));
    }

    @Test
    void nothingIsRecordedForAnIssuerThatIsGone() {
        assertFalse(registry.refuseSigning(TEAM, checked, DENIED, AT));
        assertEquals(0, registry.size());
    }

    @Test
    void aClusterIssuersRefusalReachesItsRequestsAsItsReasonOnly() {
        registry.record(SHARED, "uid", 1, new IssuerHealth.Ready(checked));
        registry.refuseSigning(SHARED, checked, DENIED, AT);

        var seen = assertInstanceOf(IssuerAvailability.NotReady.class, registry.availability(SHARED, "uid", 1));
        assertTrue(seen.why().startsWith(IssuerReasons.ACCESS_DENIED), seen.why());
        assertFalse(seen.why().contains("1234"), "the details stay on the ClusterIssuer: " + seen.why());
    }

    @Test
    void aStandbysLateCheckNeverReplacesTheLeadersButFillsAGap() {
        IssuerHealth.NotReady busy = new IssuerHealth.NotReady(IssuerReasons.VAULT_UNREACHABLE, "busy");
        registry.record(TEAM, "uid", 1, new IssuerHealth.Ready(checked));

        registry.recordIfUnchecked(TEAM, "uid", 1, busy);
        assertInstanceOf(IssuerAvailability.Ready.class, registry.availability(TEAM, "uid", 1));

        registry.recordIfUnchecked(TEAM, "uid", 2, busy);
        assertInstanceOf(
                IssuerAvailability.NotReady.class,
                registry.availability(TEAM, "uid", 2),
                "a newer generation than the one recorded");
        registry.recordIfUnchecked(SHARED, "uid", 1, new IssuerHealth.Ready(checked));
        assertInstanceOf(IssuerAvailability.Ready.class, registry.availability(SHARED, "uid", 1));
    }
}
