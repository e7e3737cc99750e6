package dev.azurekeyvaultissuer.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class RevocationReasonTest {

    @Test
    void reasonsAreReadByTheirRfcNamesIgnoringCase() {
        assertEquals(RevocationReason.KEY_COMPROMISE, RevocationReason.parse("keyCompromise"));
        assertEquals(RevocationReason.CA_COMPROMISE, RevocationReason.parse("CACOMPROMISE"));
        assertEquals(RevocationReason.UNSPECIFIED, RevocationReason.parse(""));
        assertEquals(RevocationReason.UNSPECIFIED, RevocationReason.parse(null));
        assertEquals(9, RevocationReason.parse("privilegeWithdrawn").code());
    }

    @Test
    void holdIsNotARevocationHere() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> RevocationReason.parse("certificateHold"));
        assertTrue(e.getMessage().contains("keyCompromise"), e.getMessage());
    }

    @Test
    void serialsAreReadAsOpensslAndBrowsersPrintThem() {
        assertEquals(new BigInteger("4f1a9c", 16), RevokedCertificate.parseSerial("4F:1A:9C"));
        assertEquals(new BigInteger("4f1a9c", 16), RevokedCertificate.parseSerial("0x4f1a9c"));
        assertThrows(IllegalArgumentException.class, () -> RevokedCertificate.parseSerial("00"));
        assertThrows(IllegalArgumentException.class, () -> RevokedCertificate.parseSerial("xyz"));
        assertThrows(IllegalArgumentException.class, () -> RevokedCertificate.parseSerial("1".repeat(41)));
    }
}
