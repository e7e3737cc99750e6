package dev.azurekeyvaultissuer.issuer;

import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SecretReference;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.pki.CertificateRevocationList;
import dev.azurekeyvaultissuer.pki.CrlSigner;
import dev.azurekeyvaultissuer.pki.RevokedCertificate;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An issuer's revocations, kept in the vault next to its key: a secret whose current version is the issuer's current
 * CRL, so the list survives the loss of the cluster and what is served is what is stored.
 *
 * <p>Key Vault has no conditional write, so two writers (two operators, or the {@code revoke} command and an operator)
 * could each read version n and write n+1 without the other's entry. Revocations are only ever added, so the ledger
 * merges instead of locking: it reads the newest versions and takes the union of their entries, writes the new CRL,
 * then lists the versions again; a version that appeared meanwhile and holds an entry the new CRL lacks makes it merge
 * and write once more. A revocation that any writer stored is therefore on every later CRL.
 */
public final class RevocationLedger {

    /** Versions merged on every write: the newest, and two before it in case a writer's merge round was cut short. */
    static final int VERSIONS_MERGED = 3;
    /** Merge rounds before giving up on a vault that keeps changing under us. */
    static final int MAX_ROUNDS = 4;
    /** A Key Vault secret holds at most 25 KiB; a CRL entry with a reason takes about 50 characters of PEM. */
    public static final int MAX_SECRET_CHARS = 25 * 1024;

    public static final String CONTENT_TYPE = "application/pkix-crl";

    private final KeyVault vault;
    private final CrlSigner signer;
    private final CrlSettings settings;
    private final Clock clock;

    public RevocationLedger(KeyVault vault, CrlSigner signer, CrlSettings settings, Clock clock) {
        this.vault = vault;
        this.signer = signer;
        this.settings = settings;
        this.clock = clock;
    }

    /** The ledger of a checked issuer, signing with its key. */
    public static RevocationLedger of(IssuerSigner issuer, CrlSettings settings, Clock clock) {
        return new RevocationLedger(
                issuer.vault(),
                new CrlSigner(issuer.vault(), issuer.key(), issuer.algorithm(), issuer.ca()),
                settings,
                clock);
    }

    public CrlSettings settings() {
        return settings;
    }

    /**
     * The CRL the vault holds now, or empty when none was stored yet. One vault call.
     *
     * @throws VaultException when it cannot be read
     * @throws RevocationStateException when the secret does not hold a CRL
     */
    public Optional<CertificateRevocationList> current() {
        return read(settings.secret());
    }

    /** Whether a CRL must be signed again now: within refreshBefore of its nextUpdate, or past it. */
    public boolean due(CertificateRevocationList crl) {
        return !clock.instant().isBefore(refreshAt(crl));
    }

    /** When the CRL is to be signed again. */
    public Instant refreshAt(CertificateRevocationList crl) {
        return crl.nextUpdate().minus(settings.refreshBefore());
    }

    /**
     * Signs and stores a new CRL with every revocation already stored and {@code additions}: one vault sign, one write,
     * two lists and a few reads; more only when another writer stored a version meanwhile.
     *
     * @return the CRL now in the vault, which holds {@code additions}
     * @throws VaultException when the vault refuses a call
     * @throws RevocationStateException when a stored version does not hold a CRL, the list outgrows a secret, or
     *     other writers keep the vault changing
     */
    public CertificateRevocationList publish(Collection<RevokedCertificate> additions) {
        Map<BigInteger, RevokedCertificate> pending = new LinkedHashMap<>();
        additions.forEach(a -> pending.merge(a.serialNumber(), a, RevocationLedger::earlier));
        for (int round = 1; round <= MAX_ROUNDS; round++) {
            List<String> before = versions();
            Map<BigInteger, RevokedCertificate> entries = new LinkedHashMap<>(pending);
            BigInteger number = BigInteger.ZERO;
            for (String version : before.subList(0, Math.min(VERSIONS_MERGED, before.size()))) {
                Optional<CertificateRevocationList> stored =
                        read(settings.secret().withVersion(version));
                if (stored.isPresent()) {
                    stored.get().entries().forEach(e -> entries.merge(e.serialNumber(), e, RevocationLedger::earlier));
                    number = number.max(stored.get().number());
                }
            }
            Instant now = clock.instant();
            CertificateRevocationList crl =
                    signer.sign(number.add(BigInteger.ONE), now, now.plus(settings.validity()), entries.values());
            String pem = crl.pem();
            if (pem.length() > MAX_SECRET_CHARS) {
                throw new RevocationStateException("the CRL would hold " + entries.size() + " revoked certificates, "
                        + pem.length() + " characters of PEM: more than a Key Vault secret holds (" + MAX_SECRET_CHARS
                        + ")");
            }
            String written = lastSegment(vault.setSecret(
                    settings.secret(),
                    pem,
                    CONTENT_TYPE,
                    Map.of("crl-number", crl.number().toString())));
            Set<String> seen = new HashSet<>(before);
            seen.add(written);
            List<RevokedCertificate> missed = new ArrayList<>();
            for (String version : versions()) {
                if (!seen.contains(version)) {
                    read(settings.secret().withVersion(version))
                            .ifPresent(other -> other.entries().stream()
                                    .filter(e -> crl.entry(e.serialNumber()).isEmpty())
                                    .forEach(missed::add));
                }
            }
            if (missed.isEmpty()) {
                return crl;
            }
            // Another writer stored a version between our read and our write: merge its entries and write again.
            crl.entries().forEach(e -> pending.merge(e.serialNumber(), e, RevocationLedger::earlier));
            missed.forEach(e -> pending.merge(e.serialNumber(), e, RevocationLedger::earlier));
        }
        throw new RevocationStateException("the CRL secret " + settings.secret() + " changed under every one of "
                + MAX_ROUNDS + " attempts to store a merged CRL; another writer keeps storing it");
    }

    private List<String> versions() {
        try {
            return vault.secretVersions(settings.secret());
        } catch (VaultException e) {
            if (e.kind() == VaultException.Kind.NOT_FOUND) {
                return List.of();
            }
            throw e;
        }
    }

    private Optional<CertificateRevocationList> read(SecretReference secret) {
        String pem;
        try {
            pem = vault.getSecret(secret);
        } catch (VaultException e) {
            if (e.kind() == VaultException.Kind.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
        try {
            return Optional.of(CertificateRevocationList.fromPem(pem));
        } catch (IllegalArgumentException e) {
            throw new RevocationStateException(
                    "the CRL secret " + secret + " does not hold a CRL (" + e.getMessage() + ")");
        }
    }

    /** The earlier of two revocations of one serial: a certificate stays revoked from the first time. */
    private static RevokedCertificate earlier(RevokedCertificate a, RevokedCertificate b) {
        return b.revokedAt().isBefore(a.revokedAt()) ? b : a;
    }

    private static String lastSegment(String id) {
        String trimmed = id.endsWith("/") ? id.substring(0, id.length() - 1) : id;
        return trimmed.substring(trimmed.lastIndexOf('/') + 1);
    }
}
