package dev.azurekeyvaultissuer.pki;

import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.Objects;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.X509v2CRLBuilder;

/**
 * Builds an X.509 v2 CRL (RFC 5280 section 5) for a CA whose key is in the vault and has the vault sign it: one
 * {@code sign(digest)} call per CRL, through the same {@link VaultContentSigner} that signs certificates, which also
 * verifies the vault's signature. The CRL carries the CA's name as issuer, its key identifier (authorityKeyIdentifier),
 * a CRL number, thisUpdate and nextUpdate, and a reason code for every entry revoked for a stated reason.
 */
public final class CrlSigner {

    private final KeyVault vault;
    private final VaultKey key;
    private final SignatureAlgorithm algorithm;
    private final CertificateAuthority ca;

    public CrlSigner(KeyVault vault, VaultKey key, SignatureAlgorithm algorithm, CertificateAuthority ca) {
        this.vault = Objects.requireNonNull(vault, "vault");
        this.key = Objects.requireNonNull(key, "key");
        this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
        this.ca = Objects.requireNonNull(ca, "ca");
    }

    /**
     * @param number the CRL number, greater than any this CA published before (RFC 5280 5.2.3)
     * @throws IllegalArgumentException when nextUpdate is not after thisUpdate
     */
    public CertificateRevocationList sign(
            BigInteger number, Instant thisUpdate, Instant nextUpdate, Collection<RevokedCertificate> entries) {
        if (!nextUpdate.isAfter(thisUpdate)) {
            throw new IllegalArgumentException("a CRL's nextUpdate must be after its thisUpdate");
        }
        X509v2CRLBuilder builder = new X509v2CRLBuilder(ca.issuerName(), Date.from(thisUpdate));
        builder.setNextUpdate(Date.from(nextUpdate));
        try {
            for (RevokedCertificate entry : CertificateRevocationList.sorted(entries)) {
                // RFC 5280 5.3.1: the reasonCode should be absent rather than say "unspecified".
                Extensions extensions = entry.reason() == RevocationReason.UNSPECIFIED
                        ? null
                        : new Extensions(new Extension(
                                Extension.reasonCode,
                                false,
                                CRLReason.lookup(entry.reason().code()).getEncoded()));
                builder.addCRLEntry(entry.serialNumber(), Date.from(entry.revokedAt()), extensions);
            }
            builder.addExtension(
                    Extension.authorityKeyIdentifier, false, new AuthorityKeyIdentifier(ca.subjectKeyIdentifier()));
            builder.addExtension(Extension.cRLNumber, false, new CRLNumber(number));
        } catch (IOException e) {
            throw new IllegalStateException("a CRL extension could not be encoded", e);
        }
        return CertificateRevocationList.signed(builder.build(new VaultContentSigner(vault, key, algorithm)));
    }

    /** The CA whose list this signs. */
    public CertificateAuthority ca() {
        return ca;
    }
}
