package dev.azurekeyvaultissuer.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;

/** Only the holder of a certificate's key, through the request it was issued for, revokes it. */
class RevocationProofTest {

    private final PkiFixtures.TestCa ca = PkiFixtures.rootCa("P-256");
    private final KeyPair mine = TestKeyPairs.fresh("P-256");
    private final String myCsr = CsrBuilder.forKey(mine).subject("CN=mine").pem();

    @Test
    void theCertificateIssuedForTheRequestsKeyIsRevoked() {
        IssuedCertificate issued = ca.issue(myCsr);
        assertEquals(
                issued.leaf().getSerialNumber(),
                RevocationProof.serialToRevoke(myCsr, issued.certificatePem(), ca.authority()));
    }

    @Test
    void anotherTeamsCertificateCopiedIntoARequestIsNotRevoked() {
        KeyPair theirs = TestKeyPairs.fresh("P-256");
        IssuedCertificate theirCertificate =
                ca.issue(CsrBuilder.forKey(theirs).subject("CN=theirs").pem());

        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> RevocationProof.serialToRevoke(myCsr, theirCertificate.certificatePem(), ca.authority()));
        assertTrue(e.getMessage().contains("not for the key of the request's CSR"), e.getMessage());
    }

    @Test
    void aCertificateOfAnotherCaIsNotRevoked() {
        PkiFixtures.TestCa other = PkiFixtures.rootCa("P-384");
        IssuedCertificate issuedElsewhere = other.issue(myCsr);

        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> RevocationProof.serialToRevoke(myCsr, issuedElsewhere.certificatePem(), ca.authority()));
        assertTrue(e.getMessage().contains("not issued by this issuer's CA"), e.getMessage());
    }

    @Test
    void aCsrWhoseSignatureDoesNotVerifyProvesNothing() {
        IssuedCertificate issued = ca.issue(myCsr);
        String forged = CsrBuilder.forKey(mine)
                .subject("CN=mine")
                .signWith(TestKeyPairs.fresh("P-256"))
                .pem();

        assertThrows(
                IllegalArgumentException.class,
                () -> RevocationProof.serialToRevoke(forged, issued.certificatePem(), ca.authority()));
    }
}
