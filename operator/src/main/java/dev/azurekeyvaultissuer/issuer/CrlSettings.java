package dev.azurekeyvaultissuer.issuer;

import dev.azurekeyvaultissuer.keyvault.SecretReference;
import java.time.Duration;
import java.util.Objects;

/**
 * An issuer's {@code spec.revocation}: the vault secret that holds its CRL (and with it every revocation), how long a
 * signed CRL is valid, and how long before its nextUpdate it is signed again.
 */
public record CrlSettings(SecretReference secret, Duration validity, Duration refreshBefore) {

    public static final Duration DEFAULT_VALIDITY = Duration.ofHours(24);
    static final Duration MIN_VALIDITY = Duration.ofMinutes(1);
    static final Duration MAX_VALIDITY = Duration.ofDays(365);

    public CrlSettings {
        Objects.requireNonNull(secret, "secret");
        if (validity.compareTo(MIN_VALIDITY) < 0 || validity.compareTo(MAX_VALIDITY) > 0) {
            throw new IllegalArgumentException("revocation.crlValidity must be between 1m and 8760h");
        }
        if (refreshBefore.isNegative() || refreshBefore.isZero() || refreshBefore.compareTo(validity) >= 0) {
            throw new IllegalArgumentException(
                    "revocation.crlRefreshBefore must be more than 0s and less than crlValidity");
        }
    }

    /** The default refresh: a third of the validity, so a CRL is signed again with two thirds of it to spare. */
    static Duration defaultRefreshBefore(Duration validity) {
        return validity.dividedBy(3);
    }
}
