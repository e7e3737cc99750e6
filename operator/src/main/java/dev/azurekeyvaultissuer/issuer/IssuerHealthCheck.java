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
        SignatureAlgorithm algorithm;
        try {
            algorithm = SignatureAlgorithm.choose(settings.signatureAlgorithm(), key.publicKey(), key.keyId());
        } catch (IllegalArgumentException e) {
            return new IssuerHealth.NotReady(
                    IssuerReasons.SIGNATURE_ALGORITHM_MISMATCH, "signatureAlgorithm " + e.getMessage());
        }
        CertificateAuthority ca;
        try {
            ca = CaCertificateLoader.load(
                    settings.caCertificate(), key, settings.key().version().isPresent(), vault);
            ca.checkUsable(key.publicKey(), now);
        } catch (VaultException e) {
            return fromVaultError(e, VaultFailureContext.CA);
        } catch (CaCertificateException e) {
            return new IssuerHealth.NotReady(
                    e.reason(), "CA certificate from the vault's " + settings.caCertificate() + ": " + e.getMessage());
        }
        return new IssuerHealth.Ready(new IssuerSigner(vault, key, ca, algorithm, settings.policy(), settings.urls()));
    }

    private static IssuerHealth.NotReady keyProblem(VaultKey key, Instant now) {
        return key.signRefusalAt(now)
                .map(refusal -> switch (refusal.cause()) {
                    case DISABLED ->
                        new IssuerHealth.NotReady(
                                IssuerReasons.KEY_DISABLED,
                                "key " + key.keyId() + " " + refusal.text()
                                        + ": enable it or point the issuer at another key");
                    case NOT_YET_VALID ->
                        new IssuerHealth.NotReady(
                                IssuerReasons.KEY_NOT_YET_VALID, "key " + key.keyId() + " " + refusal.text());
                    case EXPIRED ->
                        new IssuerHealth.NotReady(
                                IssuerReasons.KEY_EXPIRED,
                                "key " + key.keyId() + " " + refusal.text() + ": rotate the CA key or extend it");
                    case SIGN_NOT_PERMITTED ->
                        new IssuerHealth.NotReady(
                                IssuerReasons.KEY_CANNOT_SIGN,
                                "key " + key.keyId() + " " + refusal.text() + ": add sign");
                })
                .orElse(null);
    }

    private enum VaultFailureContext {
        KEY,
        CA
    }

    /**
     * The vault refused a sign call for a reason of the issuer's, not the request's: the permission to sign, the
     * identity, the key itself. Like a failed check, but found while signing; the message says so.
     */
    static IssuerHealth.NotReady fromSigningRefusal(VaultException e) {
        IssuerHealth.NotReady n = fromVaultError(e, VaultFailureContext.KEY);
        return new IssuerHealth.NotReady(n.reason(), "the vault refused to sign: " + n.message());
    }

    private static IssuerHealth.NotReady fromVaultError(VaultException e, VaultFailureContext context) {
        String reason = switch (e.kind()) {
            case NOT_FOUND ->
                context == VaultFailureContext.KEY
                        ? IssuerReasons.KEY_NOT_FOUND
                        : IssuerReasons.CA_CERTIFICATE_NOT_FOUND;
            case FORBIDDEN -> IssuerReasons.ACCESS_DENIED;
            case UNAUTHENTICATED -> IssuerReasons.UNAUTHENTICATED;
            case INVALID -> IssuerReasons.VAULT_REJECTED_REQUEST;
            case THROTTLED -> IssuerReasons.VAULT_THROTTLED;
            case UNAVAILABLE -> IssuerReasons.VAULT_UNREACHABLE;
        };
        return new IssuerHealth.NotReady(reason, e.getMessage());
    }
}
