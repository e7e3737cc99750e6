package dev.azurekeyvaultissuer.pki;

import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * Certificate serial numbers: 128 random bits, positive and non-zero (RFC 5280 section 4.1.2.2 allows up to 20
 * octets; CA/Browser Forum baseline requirements ask for at least 64 bits of randomness).
 */
final class SerialNumbers {

    static final int BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private SerialNumbers() {}

    static BigInteger random() {
        BigInteger serial;
        do {
            serial = new BigInteger(BITS, RANDOM);
        } while (serial.signum() == 0);
        return serial;
    }
}
