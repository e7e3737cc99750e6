package dev.azurekeyvaultissuer.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.azurekeyvaultissuer.issuer.IssuerId;
import org.junit.jupiter.api.Test;

class RevocationPublicationsTest {

    @Test
    void pathsAreStableAndDistinctPerKind() {
        assertEquals("/crl/issuers/team-a/ca.crl", RevocationPublications.pathOf(IssuerId.issuer("team-a", "ca")));
        assertEquals("/crl/clusterissuers/ca.crl", RevocationPublications.pathOf(IssuerId.clusterIssuer("ca")));
    }
}
