package dev.azurekeyvaultissuer.pki;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;

/**
 * The CA chain the issuer signs under: the signing CA certificate, whose key is the vault key, then the
 * certificates above it up to the top of the chain (normally a self-signed root).
 *
 * <p>The vault secret may list the certificates in any order; duplicates are dropped and the chain is rebuilt by
 * following issuer names and verified signatures, like cert-manager's {@code ParseSingleCertificateChain}. The
 * certificates must form exactly one chain. Its bottom is the signing CA.
 *
 * <p>What goes where, as cert-manager does it: {@code status.certificate} is the leaf followed by
 * {@link #intermediates()}: the chain from the signing CA upwards, without a self-signed root (clients already hold
 * it, RFC 8446 section 4.4.2). {@code status.ca} is {@link #root()}: the top of the chain, which is the root when
 * the chain contains one; when it does not, the top certificate is both the last intermediate and {@code ca}.
 */
public final class CertificateAuthority {

    /** The most characters of PEM a CA chain may have; vault secrets hold at most 25 KiB anyway. */
    public static final int MAX_PEM_CHARS = 256 * 1024;
    /** The most certificates a chain may have. */
    public static final int MAX_CERTIFICATES = 10;

    private final List<X509Certificate> chain;
    private final boolean rootIncluded;
    private final X500Name subject;
    private final byte[] subjectKeyIdentifier;

    private CertificateAuthority(List<X509Certificate> chain) {
        this.chain = List.copyOf(chain);
        X509Certificate top = chain.get(chain.size() - 1);
        this.rootIncluded = isSelfSigned(top);
        X509Certificate ca = chain.get(0);
        this.subject = issuerNameFor(ca);
        this.subjectKeyIdentifier = subjectKeyIdentifier(ca);
    }

    /**
     * Parses a PEM chain: one certificate, or the CA and the certificates above it in any order.
     *
     * @throws CaCertificateException {@code CACertificateInvalid} when it is not PEM certificates,
     *     {@code CAChainInvalid} when they do not form one chain whose signatures verify
     */
    public static CertificateAuthority fromPem(String pem) {
        if (pem == null || pem.isBlank()) {
            throw new CaCertificateException(CaCertificateException.INVALID, "the CA certificate is empty");
        }
        List<X509Certificate> certificates;
        try {
            certificates = Pem.decodeCertificates(pem, MAX_PEM_CHARS);
        } catch (IllegalArgumentException e) {
            throw new CaCertificateException(
                    CaCertificateException.INVALID, "the CA certificate is not usable PEM: " + e.getMessage());
        }
        return of(certificates);
    }

    /**
     * A single DER certificate, as a Key Vault certificate object holds it.
     *
     * @throws CaCertificateException {@code CACertificateInvalid} when it does not parse
     */
    public static CertificateAuthority fromDer(byte[] der) {
        if (der == null || der.length == 0) {
            throw new CaCertificateException(CaCertificateException.INVALID, "the CA certificate is empty");
        }
        try {
            return of(List.of(Pem.certificate(der)));
        } catch (IllegalArgumentException e) {
            throw new CaCertificateException(CaCertificateException.INVALID, "the CA certificate is " + e.getMessage());
        }
    }

    /**
     * Orders certificates given in any order into one chain.
     *
     * @throws CaCertificateException {@code CAChainInvalid} unless they form exactly one chain
     */
    public static CertificateAuthority of(List<X509Certificate> certificates) {
        List<X509Certificate> unique = new ArrayList<>();
        Set<ByteBuffer> seen = new HashSet<>();
        for (X509Certificate certificate : certificates) {
            if (seen.add(ByteBuffer.wrap(encoded(certificate)))) {
                unique.add(certificate);
            }
        }
        if (unique.isEmpty()) {
            throw new CaCertificateException(CaCertificateException.INVALID, "the CA certificate is empty");
        }
        if (unique.size() > MAX_CERTIFICATES) {
            throw new CaCertificateException(
                    CaCertificateException.CHAIN_INVALID,
                    "the CA chain has " + unique.size() + " certificates; at most " + MAX_CERTIFICATES
                            + " are accepted");
        }
        return new CertificateAuthority(order(unique));
    }

    /** The signing CA: the certificate whose key is the vault key. */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** The whole chain, from the signing CA to the top. */
    public List<X509Certificate> chain() {
        return chain;
    }

    /**
     * What follows the leaf in {@code status.certificate}: the chain from the signing CA upwards without a
     * self-signed root. Empty when the CA is itself the self-signed root.
     */
    public List<X509Certificate> intermediates() {
        return rootIncluded ? chain.subList(0, chain.size() - 1) : chain;
    }

    /** The top of the chain, for {@code status.ca}: the self-signed root, or the highest certificate given. */
    public X509Certificate root() {
        return chain.get(chain.size() - 1);
    }

    /** Whether the chain ends in a self-signed root. */
    public boolean hasRoot() {
        return rootIncluded;
    }

    public String chainPemAfterLeaf() {
        return Pem.encode(intermediates());
    }

    public String rootPem() {
        return Pem.encode(root());
    }

    /**
     * The earliest notAfter in the chain: a leaf valid longer than any certificate above it could not be validated
     * for its whole life, so leaves are clamped to this.
     */
    public Instant notAfter() {
        return chain.stream()
                .map(c -> c.getNotAfter().toInstant())
                .min(Instant::compareTo)
                .orElseThrow();
    }

    /**
     * Checks that this chain can issue with that vault key now.
     *
     * @throws CaCertificateException {@code CACertificateNotCA} when the signing certificate lacks basicConstraints
     *     cA=true, or has a keyUsage without keyCertSign (a CA without keyUsage is accepted, as RFC 5280 clients do);
     *     {@code CAChainInvalid} when a certificate above it is not a CA; {@code CACertificateExpired} when any
     *     certificate of the chain is outside its validity at {@code now}; {@code CACertificateInvalid} when the
     *     CA key is not RSA of at least 2048 bits or EC on P-256, P-384 or P-521; {@code CACertificateKeyMismatch}
     *     when the signing certificate's public key is not the vault key
     */
    public void checkUsable(PublicKey vaultPublicKey, Instant now) {
        Objects.requireNonNull(vaultPublicKey, "vaultPublicKey");
        Objects.requireNonNull(now, "now");
        X509Certificate ca = certificate();
        if (ca.getBasicConstraints() < 0) {
            throw new CaCertificateException(
                    CaCertificateException.NOT_CA,
                    "the CA certificate " + name(ca)
                            + " is not a CA certificate: it lacks basicConstraints with cA=true");
        }
        boolean[] keyUsage = ca.getKeyUsage();
        if (keyUsage != null && (keyUsage.length <= 5 || !keyUsage[5])) {
            throw new CaCertificateException(
                    CaCertificateException.NOT_CA,
                    "the CA certificate " + name(ca) + " may not sign certificates: its keyUsage lacks keyCertSign");
        }
        for (int i = 1; i < chain.size(); i++) {
            X509Certificate above = chain.get(i);
            if (above.getBasicConstraints() < 0 && !(i == chain.size() - 1 && rootIncluded)) {
                throw new CaCertificateException(
                        CaCertificateException.CHAIN_INVALID,
                        "the chain certificate " + name(above)
                                + " is not a CA certificate (no basicConstraints cA=true)");
            }
        }
        for (X509Certificate certificate : chain) {
            if (now.isBefore(certificate.getNotBefore().toInstant())) {
                throw new CaCertificateException(
                        CaCertificateException.EXPIRED,
                        "the CA chain certificate " + name(certificate) + " is not valid before "
                                + certificate.getNotBefore().toInstant());
            }
            if (now.isAfter(certificate.getNotAfter().toInstant())) {
                throw new CaCertificateException(
                        CaCertificateException.EXPIRED,
                        "the CA chain certificate " + name(certificate) + " expired at "
                                + certificate.getNotAfter().toInstant());
            }
        }
        PublicKeys.unsupportedCaKey(ca.getPublicKey()).ifPresent(problem -> {
            throw new CaCertificateException(
                    CaCertificateException.INVALID,
                    "the key of the CA certificate " + name(ca) + " is " + problem
                            + ": this issuer cannot sign with it");
        });
        if (!PublicKeys.sameKey(ca.getPublicKey(), vaultPublicKey)) {
            throw new CaCertificateException(
                    CaCertificateException.KEY_MISMATCH,
                    "the public key of the CA"
                            + " certificate " + name(ca) + " (" + PublicKeys.describe(ca.getPublicKey())
                            + ") is not the vault key's (" + PublicKeys.describe(vaultPublicKey)
                            + "): the certificate belongs to another key or key version");
        }
    }

    /** Whether this CA issued the certificate: it names the CA as issuer and its signature verifies with the CA key. */
    public boolean issued(X509Certificate certificate) {
        return certificate.getIssuerX500Principal().equals(certificate().getSubjectX500Principal())
                && signedBy(certificate, certificate());
    }

    /** Whether the signing certificate holds this public key, i.e. belongs to that vault key version. */
    public boolean holds(PublicKey vaultPublicKey) {
        return PublicKeys.sameKey(certificate().getPublicKey(), vaultPublicKey);
    }

    /** The signing CA's subject as a leaf's issuer; re-encodes to exactly the CA certificate's subject bytes. */
    X500Name issuerName() {
        return subject;
    }

    /** The signing CA's key identifier, for the leaf's authorityKeyIdentifier. */
    byte[] subjectKeyIdentifier() {
        return subjectKeyIdentifier.clone();
    }

    static String name(X509Certificate certificate) {
        String name = certificate.getSubjectX500Principal().getName();
        return "\"" + (name.isEmpty() ? "(empty subject)" : name) + "\"";
    }

    static boolean isSelfSigned(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())
                && signedBy(certificate, certificate);
    }

    private static boolean signedBy(X509Certificate child, X509Certificate parent) {
        try {
            child.verify(parent.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Builds the one chain the certificates form: each certificate's issuer is the certificate whose subject matches
     * its issuer name and whose key verifies its signature. There must be a single bottom and every certificate
     * must be on the path from it to the top.
     */
    private static List<X509Certificate> order(List<X509Certificate> certificates) {
        int n = certificates.size();
        int[] parent = new int[n];
        int[] children = new int[n];
        Arrays.fill(parent, -1);
        String badSignature = null;
        for (int i = 0; i < n; i++) {
            X509Certificate child = certificates.get(i);
            if (isSelfSigned(child)) {
                continue;
            }
            for (int j = 0; j < n; j++) {
                X509Certificate candidate = certificates.get(j);
                if (i == j || !candidate.getSubjectX500Principal().equals(child.getIssuerX500Principal())) {
                    continue;
                }
                if (!signedBy(child, candidate)) {
                    badSignature =
                            "the signature of " + name(child) + " does not verify with the key of " + name(candidate);
                    continue;
                }
                if (parent[i] >= 0) {
                    throw new CaCertificateException(
                            CaCertificateException.CHAIN_INVALID,
                            "the CA chain is" + " ambiguous: two certificates named " + name(candidate) + " issued "
                                    + name(child));
                }
                parent[i] = j;
                children[j]++;
            }
        }
        List<Integer> bottoms = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (children[i] > 1) {
                throw new CaCertificateException(
                        CaCertificateException.CHAIN_INVALID,
                        "the PEM holds more than one" + " chain: " + name(certificates.get(i))
                                + " issued several of its certificates");
            }
            if (children[i] == 0) {
                bottoms.add(i);
            }
        }
        if (bottoms.size() != 1) {
            throw new CaCertificateException(
                    CaCertificateException.CHAIN_INVALID,
                    "the certificates do not form one"
                            + " chain from the CA up to the root"
                            + (badSignature != null
                                    ? ": " + badSignature
                                    : ": no issuer found for " + bottomsWithoutIssuer(certificates, parent, bottoms)));
        }
        List<X509Certificate> chain = new ArrayList<>(n);
        boolean[] visited = new boolean[n];
        for (int at = bottoms.get(0); at >= 0 && !visited[at]; at = parent[at]) {
            visited[at] = true;
            chain.add(certificates.get(at));
        }
        if (chain.size() != n) {
            throw new CaCertificateException(
                    CaCertificateException.CHAIN_INVALID,
                    "the certificates do not form one" + " chain from the CA up to the root"
                            + (badSignature != null ? ": " + badSignature : ""));
        }
        return Collections.unmodifiableList(chain);
    }

    private static String bottomsWithoutIssuer(
            List<X509Certificate> certificates, int[] parent, List<Integer> bottoms) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < certificates.size(); i++) {
            if (parent[i] < 0 && !isSelfSigned(certificates.get(i))) {
                names.add(name(certificates.get(i)));
            }
        }
        if (names.isEmpty()) {
            bottoms.forEach(b -> names.add(name(certificates.get(b))));
            return "the chain, which has separate parts starting at " + String.join(", ", names);
        }
        return String.join(", ", names);
    }

    private static X500Name issuerNameFor(X509Certificate ca) {
        byte[] original = ca.getSubjectX500Principal().getEncoded();
        X500Name name = X500Name.getInstance(original);
        try {
            if (!Arrays.equals(name.getEncoded(ASN1Encoding.DER), original)) {
                throw new CaCertificateException(
                        CaCertificateException.INVALID,
                        "the subject of the CA certificate " + name(ca)
                                + " is not DER-encoded, so leaves could not name it byte for byte as issuer");
            }
        } catch (java.io.IOException e) {
            throw new CaCertificateException(
                    CaCertificateException.INVALID,
                    "the subject of the CA certificate " + name(ca) + " cannot be encoded",
                    e);
        }
        return name;
    }

    private static byte[] subjectKeyIdentifier(X509Certificate certificate) {
        byte[] extension = certificate.getExtensionValue("2.5.29.14");
        if (extension != null) {
            try {
                return SubjectKeyIdentifier.getInstance(
                                ASN1OctetString.getInstance(extension).getOctets())
                        .getKeyIdentifier();
            } catch (RuntimeException e) {
                throw new CaCertificateException(
                        CaCertificateException.INVALID,
                        "the CA certificate " + name(certificate) + " has a malformed subjectKeyIdentifier",
                        e);
            }
        }
        // RFC 5280 4.2.1.1 wants an SKI in CA certificates; for one without, derive it the way method (1) would.
        return PublicKeys.keyIdentifier(certificate.getPublicKey());
    }

    private static byte[] encoded(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new CaCertificateException(CaCertificateException.INVALID, "a CA certificate cannot be encoded", e);
        }
    }
}
