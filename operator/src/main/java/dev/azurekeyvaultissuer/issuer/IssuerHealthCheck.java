package dev.azurekeyvaultissuer.issuer;

import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.pki.CaCertificateException;
import dev.azurekeyvaultissuer.pki.CertificateAuthority;
import java.time.Clock;
import java.time.Instant;

/**
 * Checks that an issuer can sign: the key exists, is enabled, inside its nbf/exp window and allowed to sign; the
 * signature algorithm fits it; the CA certificate can be read, is a CA valid now, and holds the key's public key.
 * Two vault calls (key, CA), made on each resync, never per certificate; a few more for an issuer pinned to a key
 * version whose CA a rotation has replaced ({@link CaCertificateLoader}).
 */
public final class IssuerHealthCheck {

    private final Clock clock;

    public IssuerHealthCheck(Clock clock) {
        this.clock = clock;
    }

    public IssuerHealth check(IssuerSettings settings, KeyVault vault) {
        VaultKey key;
        try {
            key = vault.getKey(settings.key());
        } catch (VaultException e) {
            return fromVaultError(e, VaultFailureContext.KEY);
        }
        Instant now = clock.instant();
        IssuerHealth.NotReady keyProblem = keyProblem(key, now);
        if (keyProblem != null) {
            return keyProblem;
        }
        SignatureAlgorithm algorithm = settings.signatureAlgorithm()
                .orElseGet(() -> SignatureAlgorithm.defaultFor(key.publicKey()));
        if (!algorithm.fits(key.publicKey())) {
            return new IssuerHealth.NotReady(IssuerReasons.SIGNATURE_ALGORITHM_MISMATCH, "signatureAlgorithm "
                    + algorithm + " does not fit the " + describe(key) + " key " + key.keyId() + "; use "
                    + SignatureAlgorithm.defaultFor(key.publicKey()) + " or leave it empty", false);
        }
        CertificateAuthority ca;
        try {
            ca = CaCertificateLoader.load(settings.caCertificate(), key, settings.key().version().isPresent(),
                    vault);
            ca.checkUsable(key.publicKey(), now);
        } catch (VaultException e) {
            return fromVaultError(e, VaultFailureContext.CA);
        } catch (CaCertificateException e) {
            return new IssuerHealth.NotReady(e.reason(), "CA certificate from the vault's "
                    + settings.caCertificate() + ": " + e.getMessage(), false);
        }
        return new IssuerHealth.Ready(new IssuerSigner(vault, key, ca, algorithm, settings.policy()));
    }

    private static IssuerHealth.NotReady keyProblem(VaultKey key, Instant now) {
        if (!key.enabled()) {
            return new IssuerHealth.NotReady(IssuerReasons.KEY_DISABLED,
                    "key " + key.keyId() + " is disabled in the vault: enable it or point the issuer at another key",
                    false);
        }
        if (key.notBefore().isPresent() && now.isBefore(key.notBefore().get())) {
            return new IssuerHealth.NotReady(IssuerReasons.KEY_NOT_YET_VALID, "key " + key.keyId()
                    + " may not be used before " + key.notBefore().get() + " (its nbf attribute)", false);
        }
        if (key.expiresOn().isPresent() && !now.isBefore(key.expiresOn().get())) {
            return new IssuerHealth.NotReady(IssuerReasons.KEY_EXPIRED, "key " + key.keyId() + " expired at "
                    + key.expiresOn().get() + " (its exp attribute): rotate the CA key or extend it", false);
        }
        if (!key.maySign()) {
            return new IssuerHealth.NotReady(IssuerReasons.KEY_CANNOT_SIGN, "key " + key.keyId()
                    + " does not allow the sign operation (key_ops " + key.operations() + "): add sign", false);
        }
        return null;
    }

    private enum VaultFailureContext { KEY, CA }

    /**
     * The vault refused a sign call for a reason of the issuer's, not the request's: the permission to sign, the
     * identity, the key itself. Like a failed check, but found while signing; the message says so.
     */
    static IssuerHealth.NotReady fromSigningRefusal(VaultException e) {
        IssuerHealth.NotReady n = fromVaultError(e, VaultFailureContext.KEY);
        return new IssuerHealth.NotReady(n.reason(), "the vault refused to sign: " + n.message(), false);
    }

    private static IssuerHealth.NotReady fromVaultError(VaultException e, VaultFailureContext context) {
        String reason = switch (e.kind()) {
            case NOT_FOUND -> context == VaultFailureContext.KEY
                    ? IssuerReasons.KEY_NOT_FOUND : IssuerReasons.CA_CERTIFICATE_NOT_FOUND;
            case FORBIDDEN -> IssuerReasons.ACCESS_DENIED;
            case UNAUTHENTICATED -> IssuerReasons.UNAUTHENTICATED;
            case INVALID -> IssuerReasons.VAULT_REJECTED_REQUEST;
            case THROTTLED -> IssuerReasons.VAULT_THROTTLED;
            case UNAVAILABLE -> IssuerReasons.VAULT_UNREACHABLE;
        };
        return new IssuerHealth.NotReady(reason, e.getMessage(), e.isRetryable());
    }

    private static String describe(VaultKey key) {
        return key.publicKey().getAlgorithm();
    }
}
