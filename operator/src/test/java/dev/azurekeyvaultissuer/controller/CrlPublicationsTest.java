package dev.azurekeyvaultissuer.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.azurekeyvaultissuer.issuer.IssuerId;
import org.junit.jupiter.api.Test;

class CrlPublicationsTest {

    @Test
    void pathsAreStableAndDistinctPerKind() {
        assertEquals("/crl/issuers/team-a/ca.crl", CrlPublications.pathOf(IssuerId.issuer("team-a", "ca")));
        assertEquals("/crl/clusterissuers/ca.crl", CrlPublications.pathOf(IssuerId.clusterIssuer("ca")));
    }
}
