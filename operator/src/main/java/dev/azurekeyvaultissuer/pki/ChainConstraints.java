package dev.azurekeyvaultissuer.pki;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.NameConstraintValidatorException;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.OtherName;
import org.bouncycastle.asn1.x509.PKIXNameConstraintValidator;

/**
 * What a TLS client checks of the path from a new certificate up to the root, checked before the vault signs, so
 * the issuer fails a request instead of issuing a certificate that clients reject:
 *
 * <ul>
 *   <li>name constraints: every name of the new certificate lies within the permitted subtrees and outside the
 *       excluded subtrees of every CA in the chain that carries nameConstraints, the root included (OpenSSL and
 *       Go check a root's constraints too). The names are the subjectAltNames, the subject as a directoryName,
 *       emailAddress attributes of the subject as email names, and, for an end-entity certificate, a commonName
 *       that looks like a DNS name (as a DNS name);</li>
 *   <li>path length: every CA's pathLenConstraint leaves room for the CAs below it, plus one when the new
 *       certificate is a CA; self-issued certificates below a CA do not count (RFC 5280 section 6.1.4);</li>
 *   <li>extended key usage: every purpose the new certificate gets is allowed by each CA in the chain that carries
 *       an extendedKeyUsage extension (as Go's verifier and Windows nest them), unless that CA allows any.</li>
 * </ul>
 *
 * <p>Every violation is a {@link ChainConstraintException} naming the constraint and the CA.
 */
final class ChainConstraints {

    /**
     * A commonName that reads as a DNS name: letters, digits and hyphens in labels, at least two labels, an optional
     * leading {@code *.} label. Such a commonName is checked against DNS name constraints like a DNS SAN: OpenSSL
     * does when the certificate has no DNS SAN, and older clients match hostnames against the commonName.
     */
    private static final Pattern DNS_LIKE =
            Pattern.compile("^(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$");

    private ChainConstraints() {}

    /**
     * Checks the new certificate's names against the name constraints of every CA in the chain.
     *
     * @throws ChainConstraintException naming the name, the subtrees and the CA
     */
    static void checkNames(CertificateAuthority ca, X500Name subject, List<GeneralName> subjectAltNames, boolean isCA) {
        List<GeneralName> names = namesToCheck(subject, subjectAltNames, isCA);
        for (X509Certificate certificate : ca.chain()) {
            Optional<NameConstraints> constraints = nameConstraintsOf(certificate);
            if (constraints.isEmpty()) {
                continue;
            }
            GeneralSubtree[] permitted = constraints.get().getPermittedSubtrees();
            GeneralSubtree[] excluded = constraints.get().getExcludedSubtrees();
            PKIXNameConstraintValidator validator = new PKIXNameConstraintValidator();
            if (permitted != null) {
                validator.intersectPermittedSubtree(permitted);
            }
            if (excluded != null) {
                for (GeneralSubtree subtree : excluded) {
                    validator.addExcludedSubtree(subtree);
                }
            }
            for (GeneralName name : names) {
                try {
                    validator.checkPermitted(name);
                } catch (NameConstraintValidatorException e) {
                    throw new ChainConstraintException("the " + describe(name) + " is outside the permitted name"
                            + " constraints " + describe(permitted, name.getTagNo()) + " of the CA "
                            + CertificateAuthority.name(certificate) + "; clients would reject the certificate");
                }
                try {
                    validator.checkExcluded(name);
                } catch (NameConstraintValidatorException e) {
                    throw new ChainConstraintException("the " + describe(name) + " is within the excluded name"
                            + " constraints " + describe(excluded, name.getTagNo()) + " of the CA "
                            + CertificateAuthority.name(certificate) + "; clients would reject the certificate");
                }
            }
        }
    }

    /**
     * The largest pathLenConstraint a new CA certificate may have under this chain: for each CA, its
     * pathLenConstraint less the non-self-issued CAs below it, less one for the new CA. Empty when no CA in the
     * chain limits the path length.
     *
     * @throws ChainConstraintException when a CA's pathLenConstraint leaves no room for the new certificate
     */
    static Optional<Integer> pathLengthLimit(CertificateAuthority ca, boolean isCA) {
        List<X509Certificate> chain = ca.chain();
        Integer limit = null;
        int below = 0;
        for (int i = 0; i < chain.size(); i++) {
            X509Certificate certificate = chain.get(i);
            int constraint = certificate.getBasicConstraints();
            if (constraint >= 0 && constraint != Integer.MAX_VALUE) {
                int room = constraint - below - (isCA ? 1 : 0);
                if (room < 0) {
                    throw new ChainConstraintException(
                            isCA
                                    ? "the request asks for a CA certificate, but the CA "
                                            + CertificateAuthority.name(certificate) + " has pathLenConstraint "
                                            + constraint
                                            + (below == 0
                                                    ? ""
                                                    : " and " + below + " CA certificate(s) below it in the chain")
                                            + (constraint == 0 && below == 0
                                                    ? ": its pathLenConstraint is 0, it may only issue end-entity"
                                                            + " certificates"
                                                    : ": no room is left for another CA")
                                    : "the CA " + CertificateAuthority.name(certificate) + " has pathLenConstraint "
                                            + constraint + " but " + below + " CA certificates below it in the chain:"
                                            + " clients reject every certificate it issues");
                }
                limit = limit == null ? room : Math.min(limit, room);
            }
            if (!isSelfIssued(certificate)) {
                below++;
            }
        }
        return Optional.ofNullable(limit);
    }

    /**
     * Checks that every CA in the chain with an extendedKeyUsage extension allows each purpose the new certificate
     * gets, either by listing it or by listing anyExtendedKeyUsage.
     *
     * @throws ChainConstraintException naming the purposes and the CA
     */
    static void checkExtendedKeyUsages(CertificateAuthority ca, List<ASN1ObjectIdentifier> purposes) {
        if (purposes.isEmpty()) {
            return;
        }
        for (X509Certificate certificate : ca.chain()) {
            List<String> allowed;
            try {
                allowed = certificate.getExtendedKeyUsage();
            } catch (CertificateParsingException e) {
                throw new ChainConstraintException(
                        "the extendedKeyUsage of the CA " + CertificateAuthority.name(certificate) + " does not parse");
            }
            if (allowed == null || allowed.contains(KeyPurposeId.anyExtendedKeyUsage.getId())) {
                continue;
            }
            List<ASN1ObjectIdentifier> refused =
                    purposes.stream().filter(p -> !allowed.contains(p.getId())).toList();
            if (!refused.isEmpty()) {
                throw new ChainConstraintException("the extended key usages " + KeyUsages.describePurposes(refused)
                        + " are not allowed by the CA " + CertificateAuthority.name(certificate) + ", whose"
                        + " extendedKeyUsage allows only "
                        + KeyUsages.describePurposes(
                                allowed.stream().map(ASN1ObjectIdentifier::new).toList())
                        + "; clients would reject the certificate for them");
            }
        }
    }

    /** Whether the text is a DNS name as a commonName may hold one (see {@link #DNS_LIKE}). */
    static boolean looksLikeDnsName(String text) {
        return text.length() <= 253
                && DNS_LIKE.matcher(text.toLowerCase(Locale.ROOT)).matches();
    }

    /** The commonNames of a subject that look like DNS names. */
    static List<String> dnsLikeCommonNames(X500Name subject) {
        List<String> names = new ArrayList<>();
        for (RDN rdn : subject.getRDNs(BCStyle.CN)) {
            for (AttributeTypeAndValue value : rdn.getTypesAndValues()) {
                if (BCStyle.CN.equals(value.getType())
                        && value.getValue() instanceof ASN1String text
                        && looksLikeDnsName(text.getString())) {
                    names.add(text.getString());
                }
            }
        }
        return names;
    }

    private static List<GeneralName> namesToCheck(X500Name subject, List<GeneralName> subjectAltNames, boolean isCA) {
        List<GeneralName> names = new ArrayList<>(subjectAltNames);
        if (subject.getRDNs().length > 0) {
            names.add(new GeneralName(subject));
            for (RDN rdn : subject.getRDNs(PKCSObjectIdentifiers.pkcs_9_at_emailAddress)) {
                for (AttributeTypeAndValue value : rdn.getTypesAndValues()) {
                    if (PKCSObjectIdentifiers.pkcs_9_at_emailAddress.equals(value.getType())
                            && value.getValue() instanceof ASN1String text) {
                        names.add(new GeneralName(GeneralName.rfc822Name, text.getString()));
                    }
                }
            }
            if (!isCA) {
                dnsLikeCommonNames(subject).forEach(cn -> names.add(new GeneralName(GeneralName.dNSName, cn)));
            }
        }
        return names;
    }

    private static Optional<NameConstraints> nameConstraintsOf(X509Certificate certificate) {
        byte[] extension = certificate.getExtensionValue(Extension.nameConstraints.getId());
        if (extension == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(NameConstraints.getInstance(
                    ASN1OctetString.getInstance(extension).getOctets()));
        } catch (RuntimeException e) {
            throw new ChainConstraintException(
                    "the nameConstraints of the CA " + CertificateAuthority.name(certificate) + " do not parse");
        }
    }

    private static boolean isSelfIssued(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal());
    }

    /** The subtrees of the same kind as the name, e.g. {@code [DNS:shop.example.com, DNS:.svc]}. */
    private static String describe(GeneralSubtree[] subtrees, int kind) {
        StringJoiner joiner = new StringJoiner(", ", "[", "]");
        if (subtrees != null) {
            Arrays.stream(subtrees)
                    .map(GeneralSubtree::getBase)
                    .filter(b -> b.getTagNo() == kind)
                    .forEach(b -> joiner.add(describeValue(b)));
        }
        return joiner.toString();
    }

    /** A name for a message, e.g. {@code DNS name "web.example.com"}. */
    static String describe(GeneralName name) {
        return switch (name.getTagNo()) {
            case GeneralName.dNSName -> "DNS name \"" + name.getName() + "\"";
            case GeneralName.rfc822Name -> "email address \"" + name.getName() + "\"";
            case GeneralName.uniformResourceIdentifier -> "URI \"" + name.getName() + "\"";
            case GeneralName.iPAddress -> "IP address " + describeValue(name).substring(3);
            case GeneralName.directoryName -> "subject \"" + name.getName() + "\"";
            case GeneralName.otherName ->
                "otherName " + OtherName.getInstance(name.getName()).getTypeID();
            default -> "name " + name;
        };
    }

    /** A subtree base or name in OpenSSL's style: {@code DNS:x}, {@code IP:10.0.0.0/255.0.0.0}, ... */
    static String describeValue(GeneralName name) {
        return switch (name.getTagNo()) {
            case GeneralName.dNSName -> "DNS:" + name.getName();
            case GeneralName.rfc822Name -> "email:" + name.getName();
            case GeneralName.uniformResourceIdentifier -> "URI:" + name.getName();
            case GeneralName.directoryName -> "DirName:" + name.getName();
            case GeneralName.iPAddress ->
                "IP:" + ip(ASN1OctetString.getInstance(name.getName()).getOctets());
            case GeneralName.otherName ->
                "otherName:" + OtherName.getInstance(name.getName()).getTypeID();
            default -> String.valueOf((ASN1Encodable) name);
        };
    }

    private static String ip(byte[] octets) {
        try {
            if (octets.length == 4 || octets.length == 16) {
                return InetAddress.getByAddress(octets).getHostAddress();
            }
            if (octets.length == 8 || octets.length == 32) {
                int half = octets.length / 2;
                return InetAddress.getByAddress(Arrays.copyOf(octets, half)).getHostAddress() + "/"
                        + InetAddress.getByAddress(Arrays.copyOfRange(octets, half, octets.length))
                                .getHostAddress();
            }
        } catch (UnknownHostException e) {
            // not reached for these lengths
        }
        return "(" + octets.length + " bytes)";
    }
}
