package dev.azurekeyvaultissuer.pki;

import java.math.BigInteger;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Enumerated;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CRLEntryHolder;
import org.bouncycastle.cert.X509CRLHolder;

/**
 * A signed X.509 v2 CRL (RFC 5280 section 5) and what the operator reads from it: its number, its validity and its
 * entries. The DER is kept as signed, so what is served, stored in the vault and parsed here are the same bytes.
 */
public final class CertificateRevocationList {

    public static final String PEM_LABEL = "X509 CRL";
    /** The most characters of PEM read back from the vault; a Key Vault secret holds at most 25 KiB. */
    public static final int MAX_PEM_CHARS = 64 * 1024;

    private final byte[] der;
    private final BigInteger number;
    private final Instant thisUpdate;
    private final Instant nextUpdate;
    private final List<RevokedCertificate> entries;

    private CertificateRevocationList(
            byte[] der, BigInteger number, Instant thisUpdate, Instant nextUpdate, List<RevokedCertificate> entries) {
        this.der = der;
        this.number = number;
        this.thisUpdate = thisUpdate;
        this.nextUpdate = nextUpdate;
        this.entries = List.copyOf(entries);
    }

    /**
     * Reads a CRL written by {@link CrlSigner}, or by an earlier operator into the vault.
     *
     * @throws IllegalArgumentException when it is not one DER CRL with a CRL number and a nextUpdate
     */
    public static CertificateRevocationList fromDer(byte[] der) {
        Objects.requireNonNull(der, "der");
        X509CRLHolder holder;
        try {
            holder = new X509CRLHolder(der);
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a DER-encoded X.509 CRL");
        }
        Extension numberExtension = holder.getExtension(Extension.cRLNumber);
        if (numberExtension == null || holder.getNextUpdate() == null) {
            throw new IllegalArgumentException("the CRL lacks a CRL number or a nextUpdate (RFC 5280 5.1.2.5, 5.2.3)");
        }
        BigInteger number =
                ASN1Integer.getInstance(numberExtension.getParsedValue()).getValue();
        List<RevokedCertificate> entries = new ArrayList<>();
        for (Object o : holder.getRevokedCertificates()) {
            X509CRLEntryHolder entry = (X509CRLEntryHolder) o;
            Extension reasonExtension =
                    entry.getExtensions() == null ? null : entry.getExtensions().getExtension(Extension.reasonCode);
            RevocationReason reason = reasonExtension == null
                    ? RevocationReason.UNSPECIFIED
                    : RevocationReason.ofCode(
                                    CRLReason.getInstance(ASN1Enumerated.getInstance(reasonExtension.getParsedValue()))
                                            .getValue()
                                            .intValue())
                            .orElse(RevocationReason.UNSPECIFIED);
            entries.add(new RevokedCertificate(
                    entry.getSerialNumber(), entry.getRevocationDate().toInstant(), reason));
        }
        return new CertificateRevocationList(
                der.clone(),
                number,
                holder.getThisUpdate().toInstant(),
                holder.getNextUpdate().toInstant(),
                entries);
    }

    /**
     * Reads the PEM form, as the vault secret holds it.
     *
     * @throws IllegalArgumentException when it is not exactly one {@code X509 CRL} block holding a CRL
     */
    public static CertificateRevocationList fromPem(String pem) {
        List<Pem.Block> blocks = Pem.decode(pem, MAX_PEM_CHARS);
        if (blocks.size() != 1 || !PEM_LABEL.equals(blocks.get(0).label())) {
            throw new IllegalArgumentException("expected one PEM block labelled " + PEM_LABEL);
        }
        return fromDer(blocks.get(0).der());
    }

    static CertificateRevocationList signed(X509CRLHolder holder) {
        try {
            return fromDer(holder.getEncoded());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("a CRL just built could not be encoded", e);
        }
    }

    public byte[] der() {
        return der.clone();
    }

    public String pem() {
        return Pem.encode(PEM_LABEL, der);
    }

    public BigInteger number() {
        return number;
    }

    public Instant thisUpdate() {
        return thisUpdate;
    }

    public Instant nextUpdate() {
        return nextUpdate;
    }

    /** The revoked certificates, by serial number. */
    public List<RevokedCertificate> entries() {
        return entries;
    }

    public Optional<RevokedCertificate> entry(BigInteger serialNumber) {
        return entries.stream()
                .filter(e -> e.serialNumber().equals(serialNumber))
                .findFirst();
    }

    /** Whether every entry of {@code others} is on this list. */
    public boolean covers(Collection<RevokedCertificate> others) {
        return others.stream().allMatch(o -> entry(o.serialNumber()).isPresent());
    }

    /** Whether the CRL's signature verifies with this key (the CA key that signs it). */
    public boolean verifies(PublicKey key) {
        try {
            X509CRL crl = (X509CRL)
                    CertificateFactory.getInstance("X.509").generateCRL(new java.io.ByteArrayInputStream(der));
            crl.verify(key);
            return true;
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** Entries sorted by serial number, for a deterministic encoding. */
    static List<RevokedCertificate> sorted(Collection<RevokedCertificate> entries) {
        List<RevokedCertificate> list = new ArrayList<>(entries);
        list.sort(Comparator.comparing(RevokedCertificate::serialNumber));
        return list;
    }
}
