package dev.azurekeyvaultissuer.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.OtherName;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * A PKCS#10 certification request that passed every check that does not depend on the CertificateRequest's spec:
 * size-capped PEM with exactly one CERTIFICATE REQUEST block, parsable DER, a supported public key, a signature that
 * verifies, and well-formed extensions. {@link #requireAgreement} then compares its extensions with the spec.
 * Everything wrong becomes a {@link CsrRejectedException} whose message says what to change, never the CSR itself.
 *
 * <p>Of the requested extensions only these matter: subjectAltName (DNS, IP, URI, email and otherName names; other
 * kinds are rejected), keyUsage, extendedKeyUsage and basicConstraints (compared with the spec, like cert-manager
 * does; a pathLenConstraint is kept as a request), and nameConstraints (kept for a CA certificate, refused for any
 * other). Anything else a CSR asks for is ignored, as cert-manager's CA issuer does.
 */
public final class VerifiedCsr {

    /**
     * The most characters of PEM a request may have. cert-manager's own CSRs are 1-3 KiB; 64 KiB leaves room for
     * thousands of SANs and caps the work a hostile request can cause.
     */
    public static final int MAX_PEM_CHARS = 64 * 1024;
    /** The most bytes one otherName subjectAltName may take, DER-encoded: a UPN is well below 300. */
    public static final int MAX_OTHER_NAME_BYTES = 1024;
    /** The most permitted plus excluded subtrees a requested nameConstraints may hold. */
    public static final int MAX_NAME_CONSTRAINT_SUBTREES = 100;
    /** Microsoft's User Principal Name otherName (1.3.6.1.4.1.311.20.2.3), a UTF8String. */
    public static final ASN1ObjectIdentifier UPN = new ASN1ObjectIdentifier("1.3.6.1.4.1.311.20.2.3");

    private final X500Name subject;
    private final SubjectPublicKeyInfo publicKeyInfo;
    private final PublicKey publicKey;
    private final String keyDescription;
    private final Optional<GeneralNames> subjectAltNames;
    private final Optional<Integer> keyUsageBits;
    private final Optional<List<ASN1ObjectIdentifier>> extendedKeyUsages;
    private final Optional<Boolean> basicConstraintsCA;
    private final Optional<Integer> pathLength;
    private final Optional<NameConstraints> nameConstraints;

    private VerifiedCsr(
            X500Name subject,
            SubjectPublicKeyInfo publicKeyInfo,
            PublicKey publicKey,
            String keyDescription,
            Extensions extensions) {
        this.subject = subject;
        this.publicKeyInfo = publicKeyInfo;
        this.publicKey = publicKey;
        this.keyDescription = keyDescription;
        this.subjectAltNames = subjectAltNames(extensions);
        this.keyUsageBits = keyUsage(extensions);
        this.extendedKeyUsages = extendedKeyUsage(extensions);
        BasicConstraints basicConstraints = basicConstraints(extensions);
        this.basicConstraintsCA = Optional.ofNullable(basicConstraints).map(BasicConstraints::isCA);
        this.pathLength = pathLength(basicConstraints);
        this.nameConstraints = nameConstraints(extensions);
        if (subject.getRDNs().length == 0 && subjectAltNames.isEmpty()) {
            throw new CsrRejectedException("the CSR names nothing: its subject is empty and it requests no"
                    + " subjectAltName; set a commonName or at least one DNS name, IP address, URI or email address");
        }
    }

    /**
     * Parses and checks a PEM CSR.
     *
     * @throws CsrRejectedException for anything wrong with it
     */
    public static VerifiedCsr parse(String pem) {
        if (pem == null || pem.isBlank()) {
            throw new CsrRejectedException("the request's CSR is empty; expected one PEM CERTIFICATE REQUEST block");
        }
        if (pem.length() > MAX_PEM_CHARS) {
            throw new CsrRejectedException(
                    "the CSR is " + pem.length() + " characters long; the limit is " + MAX_PEM_CHARS);
        }
        List<Pem.Block> blocks;
        try {
            blocks = Pem.decode(pem, MAX_PEM_CHARS);
        } catch (IllegalArgumentException e) {
            throw new CsrRejectedException("the CSR is not valid PEM: " + e.getMessage());
        }
        if (blocks.size() != 1) {
            throw new CsrRejectedException("the CSR must be exactly one PEM CERTIFICATE REQUEST block, found "
                    + blocks.size() + " PEM blocks");
        }
        Pem.Block block = blocks.get(0);
        if (!Pem.CERTIFICATE_REQUEST.equals(block.label()) && !Pem.NEW_CERTIFICATE_REQUEST.equals(block.label())) {
            throw new CsrRejectedException(
                    "the CSR's PEM block is a \"" + block.label() + "\", expected a CERTIFICATE REQUEST");
        }
        return fromDer(block.der());
    }

    /** Checks a DER CSR, as {@link #parse} does after the PEM layer. */
    public static VerifiedCsr fromDer(byte[] der) {
        PKCS10CertificationRequest csr;
        try {
            csr = new PKCS10CertificationRequest(der);
        } catch (IOException | RuntimeException e) {
            throw new CsrRejectedException("the CSR is not a PKCS#10 certification request: its DER does not parse");
        }
        SubjectPublicKeyInfo spki = csr.getSubjectPublicKeyInfo();
        String keyDescription;
        try {
            keyDescription = PublicKeys.requireSupportedLeafKey(spki);
        } catch (IllegalArgumentException e) {
            throw new CsrRejectedException(e.getMessage());
        }
        PublicKey publicKey;
        try {
            publicKey = new JcaPEMKeyConverter().getPublicKey(spki);
        } catch (PEMException | RuntimeException e) {
            throw new CsrRejectedException("the CSR's " + keyDescription + " public key is malformed");
        }
        byte[] signedData;
        try {
            signedData = csr.toASN1Structure().getCertificationRequestInfo().getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new CsrRejectedException("the CSR is not a PKCS#10 certification request: its DER does not parse");
        }
        byte[] signature;
        try {
            signature = csr.getSignature();
        } catch (RuntimeException e) {
            // A BIT STRING with unused bits, for one: BouncyCastle refuses it with IllegalStateException.
            throw new CsrRejectedException("the CSR's signature is malformed: not a whole number of bytes");
        }
        Optional<Boolean> verified =
                JcaSignatures.verifyCsrSignature(csr.getSignatureAlgorithm(), publicKey, signedData, signature);
        if (verified.isEmpty()) {
            throw new CsrRejectedException("the CSR is signed with " + JcaSignatures.name(csr.getSignatureAlgorithm())
                    + ", which is not accepted; sign it with SHA-256 or stronger (RSA PKCS#1 v1.5 or PSS, ECDSA,"
                    + " Ed25519)");
        }
        if (!verified.get()) {
            throw new CsrRejectedException("the CSR's signature does not verify with its own public key: the CSR was"
                    + " altered or signed with another key");
        }
        Attribute[] requests = csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest);
        if (requests.length > 1
                || requests.length == 1 && requests[0].getAttrValues().size() != 1) {
            throw new CsrRejectedException("the CSR carries more than one extensionRequest attribute");
        }
        Extensions extensions;
        try {
            extensions = requests.length == 0
                    ? null
                    : Extensions.getInstance(requests[0].getAttrValues().getObjectAt(0));
        } catch (RuntimeException e) {
            throw new CsrRejectedException("the CSR's requested extensions are malformed (or one is repeated)");
        }
        X500Name subject;
        try {
            subject = csr.getSubject();
        } catch (RuntimeException e) {
            throw new CsrRejectedException("the CSR's subject is malformed");
        }
        return new VerifiedCsr(subject, spki, publicKey, keyDescription, extensions);
    }

    /**
     * Checks that the CSR's extensions agree with the CertificateRequest, as cert-manager's
     * {@code CertificateTemplateValidateAndOverride*} do: a requested basicConstraints must carry the same cA as
     * {@code isCA}; when keyUsage or extendedKeyUsage is requested, the keyUsage bits must equal the spec's and the
     * extendedKeyUsage purposes must be the spec's (compared as sets; cert-manager compares lists in order).
     *
     * @throws CsrRejectedException naming the contradiction
     */
    public void requireAgreement(boolean isCA, KeyUsages usages) {
        if (basicConstraintsCA.isPresent() && basicConstraintsCA.get() != isCA) {
            throw new CsrRejectedException("the CSR's basicConstraints say cA=" + basicConstraintsCA.get()
                    + " but the request says isCA=" + isCA);
        }
        if (!isCA && nameConstraints.isPresent()) {
            throw new CsrRejectedException("the CSR requests name constraints, which only a CA certificate may"
                    + " carry, but the request does not ask for a CA (isCA=false): remove spec.nameConstraints"
                    + " from the Certificate or set spec.isCA");
        }
        if (keyUsageBits.isEmpty() && extendedKeyUsages.isEmpty()) {
            return;
        }
        int csrBits = keyUsageBits.orElse(0);
        if (csrBits != usages.keyUsageBits()) {
            throw new CsrRejectedException("the CSR's key usages " + KeyUsages.describeBits(csrBits)
                    + " do not match the request's " + KeyUsages.describeBits(usages.keyUsageBits())
                    + " (from spec.usages and spec.isCA)");
        }
        List<ASN1ObjectIdentifier> csrPurposes = extendedKeyUsages.orElse(List.of());
        if (!Set.copyOf(csrPurposes).equals(usages.extendedKeyUsageSet())) {
            throw new CsrRejectedException("the CSR's extended key usages " + KeyUsages.describePurposes(csrPurposes)
                    + " do not match the request's " + KeyUsages.describePurposes(usages.extendedKeyUsages())
                    + " (from spec.usages)");
        }
    }

    /** The subject as the CSR encodes it; possibly empty (no RDNs). */
    public X500Name subject() {
        return subject;
    }

    public SubjectPublicKeyInfo publicKeyInfo() {
        return publicKeyInfo;
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    /** For example {@code RSA 2048}, {@code EC P-256}, {@code Ed25519}. */
    public String keyDescription() {
        return keyDescription;
    }

    /**
     * The pathLenConstraint the CSR's basicConstraints request (cert-manager sends it with
     * {@code UseCertificateRequestBasicConstraints}); empty when it requests none.
     */
    public Optional<Integer> requestedPathLength() {
        return pathLength;
    }

    /** The name constraints the CSR requests, as it encodes them; only ever present with cA=true requested. */
    public Optional<NameConstraints> nameConstraints() {
        return nameConstraints;
    }

    /** The requested subjectAltNames, only DNS, IP, URI, email and otherName names, in the CSR's order. */
    public Optional<GeneralNames> subjectAltNames() {
        return subjectAltNames;
    }

    private static Optional<GeneralNames> subjectAltNames(Extensions extensions) {
        Extension extension = extensions == null ? null : extensions.getExtension(Extension.subjectAlternativeName);
        if (extension == null) {
            return Optional.empty();
        }
        GeneralName[] names;
        try {
            names = GeneralNames.getInstance(extension.getParsedValue()).getNames();
        } catch (RuntimeException e) {
            throw new CsrRejectedException("the CSR's subjectAltName extension is malformed");
        }
        if (names.length == 0) {
            throw new CsrRejectedException("the CSR's subjectAltName extension is empty");
        }
        for (GeneralName name : names) {
            switch (name.getTagNo()) {
                case GeneralName.dNSName, GeneralName.rfc822Name, GeneralName.uniformResourceIdentifier -> {
                    if (name.getName().toString().isEmpty()) {
                        throw new CsrRejectedException(
                                "the CSR requests an empty " + kind(name.getTagNo()) + " subjectAltName");
                    }
                }
                case GeneralName.iPAddress -> {
                    int length = ASN1OctetString.getInstance(name.getName()).getOctets().length;
                    if (length != 4 && length != 16) {
                        throw new CsrRejectedException("the CSR requests an IP address subjectAltName of " + length
                                + " bytes; IPv4 addresses have 4, IPv6 addresses 16");
                    }
                }
                case GeneralName.otherName -> checkOtherName(name);
                default ->
                    throw new CsrRejectedException("the CSR requests a subjectAltName of kind "
                            + kind(name.getTagNo()) + "; this issuer supports DNS names, IP addresses, URIs, email"
                            + " addresses and otherNames only");
            }
        }
        return Optional.of(new GeneralNames(names));
    }

    /**
     * An otherName must be {@code SEQUENCE { type-id OBJECT IDENTIFIER, value [0] EXPLICIT ANY }}, at most
     * {@link #MAX_OTHER_NAME_BYTES}; a UPN's value must be a non-empty UTF8String, as Microsoft and cert-manager
     * encode it. Other type-ids are copied as the CSR encodes them.
     */
    private static void checkOtherName(GeneralName name) {
        byte[] encoded;
        OtherName otherName;
        try {
            encoded = name.getName().toASN1Primitive().getEncoded(ASN1Encoding.DER);
            otherName = OtherName.getInstance(name.getName());
        } catch (IOException | RuntimeException e) {
            throw new CsrRejectedException("the CSR requests a malformed otherName subjectAltName: it must be a"
                    + " type-id OID and an explicitly tagged [0] value");
        }
        if (encoded.length > MAX_OTHER_NAME_BYTES) {
            throw new CsrRejectedException("the CSR requests an otherName subjectAltName (" + otherName.getTypeID()
                    + ") of " + encoded.length + " bytes; the limit is " + MAX_OTHER_NAME_BYTES);
        }
        if (UPN.equals(otherName.getTypeID())) {
            if (!(otherName.getValue() instanceof ASN1UTF8String upn)) {
                throw new CsrRejectedException("the CSR requests a UPN otherName subjectAltName (" + UPN
                        + ") whose value is not a UTF8String");
            }
            if (upn.getString().isEmpty()) {
                throw new CsrRejectedException("the CSR requests an empty UPN otherName subjectAltName");
            }
        }
    }

    /**
     * RFC 5280 section 4.2.1.10: at least one of permittedSubtrees and excludedSubtrees, none empty; each subtree
     * with minimum 0 and no maximum; bases of the kinds cert-manager sends (DNS, IP address with mask, email, URI).
     */
    private static Optional<NameConstraints> nameConstraints(Extensions extensions) {
        Extension extension = extensions == null ? null : extensions.getExtension(Extension.nameConstraints);
        if (extension == null) {
            return Optional.empty();
        }
        NameConstraints constraints;
        try {
            constraints = NameConstraints.getInstance(extension.getParsedValue());
        } catch (RuntimeException e) {
            throw new CsrRejectedException("the CSR's nameConstraints extension is malformed");
        }
        GeneralSubtree[] permitted = constraints.getPermittedSubtrees();
        GeneralSubtree[] excluded = constraints.getExcludedSubtrees();
        if (permitted == null && excluded == null) {
            throw new CsrRejectedException(
                    "the CSR's nameConstraints extension has neither permitted nor excluded" + " subtrees");
        }
        int count = (permitted == null ? 0 : permitted.length) + (excluded == null ? 0 : excluded.length);
        if (count > MAX_NAME_CONSTRAINT_SUBTREES) {
            throw new CsrRejectedException("the CSR's nameConstraints hold " + count + " subtrees; the limit is "
                    + MAX_NAME_CONSTRAINT_SUBTREES);
        }
        checkSubtrees(permitted, "permitted");
        checkSubtrees(excluded, "excluded");
        return Optional.of(constraints);
    }

    private static void checkSubtrees(GeneralSubtree[] subtrees, String which) {
        if (subtrees == null) {
            return;
        }
        if (subtrees.length == 0) {
            throw new CsrRejectedException("the CSR's nameConstraints have an empty list of " + which + " subtrees");
        }
        for (GeneralSubtree subtree : subtrees) {
            if (subtree.getMinimum().signum() != 0 || subtree.getMaximum() != null) {
                throw new CsrRejectedException("the CSR's nameConstraints have a " + which + " subtree with a"
                        + " minimum or maximum; RFC 5280 requires minimum 0 and no maximum");
            }
            GeneralName base = subtree.getBase();
            switch (base.getTagNo()) {
                case GeneralName.dNSName, GeneralName.rfc822Name, GeneralName.uniformResourceIdentifier -> {
                    if (base.getName().toString().isEmpty()) {
                        throw new CsrRejectedException("the CSR's nameConstraints have an empty "
                                + kind(base.getTagNo()) + " " + which + " subtree");
                    }
                }
                case GeneralName.iPAddress -> {
                    int length = ASN1OctetString.getInstance(base.getName()).getOctets().length;
                    if (length != 8 && length != 32) {
                        throw new CsrRejectedException("the CSR's nameConstraints have an IP address " + which
                                + " subtree of " + length + " bytes; it must be an address and a mask, 8 bytes for"
                                + " IPv4, 32 for IPv6");
                    }
                }
                default ->
                    throw new CsrRejectedException("the CSR's nameConstraints have a " + which
                            + " subtree of kind " + kind(base.getTagNo()) + "; this issuer supports DNS, IP address,"
                            + " email and URI subtrees only");
            }
        }
    }

    private static Optional<Integer> keyUsage(Extensions extensions) {
        Extension extension = extensions == null ? null : extensions.getExtension(Extension.keyUsage);
        if (extension == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(
                    DERBitString.getInstance(extension.getParsedValue()).intValue());
        } catch (RuntimeException e) {
            throw new CsrRejectedException("the CSR's keyUsage extension is malformed");
        }
    }

    private static Optional<List<ASN1ObjectIdentifier>> extendedKeyUsage(Extensions extensions) {
        Extension extension = extensions == null ? null : extensions.getExtension(Extension.extendedKeyUsage);
        if (extension == null) {
            return Optional.empty();
        }
        try {
            Set<ASN1ObjectIdentifier> purposes = new LinkedHashSet<>();
            for (KeyPurposeId purpose : org.bouncycastle.asn1.x509.ExtendedKeyUsage.getInstance(
                            extension.getParsedValue())
                    .getUsages()) {
                purposes.add(purpose.toOID());
            }
            return Optional.of(new ArrayList<>(purposes));
        } catch (RuntimeException e) {
            throw new CsrRejectedException("the CSR's extendedKeyUsage extension is malformed");
        }
    }

    private static BasicConstraints basicConstraints(Extensions extensions) {
        Extension extension = extensions == null ? null : extensions.getExtension(Extension.basicConstraints);
        if (extension == null) {
            return null;
        }
        try {
            return BasicConstraints.getInstance(extension.getParsedValue());
        } catch (RuntimeException e) {
            throw new CsrRejectedException("the CSR's basicConstraints extension is malformed");
        }
    }

    private static Optional<Integer> pathLength(BasicConstraints basicConstraints) {
        if (basicConstraints == null || basicConstraints.getPathLenConstraint() == null) {
            return Optional.empty();
        }
        if (!basicConstraints.isCA()) {
            throw new CsrRejectedException(
                    "the CSR's basicConstraints carry a pathLenConstraint with cA=false;" + " only a CA may have one");
        }
        BigInteger value = basicConstraints.getPathLenConstraint();
        if (value.signum() < 0 || value.bitLength() > 31) {
            throw new CsrRejectedException(
                    "the CSR's basicConstraints pathLenConstraint " + value + " is out of range");
        }
        return Optional.of(value.intValueExact());
    }

    private static String kind(int tag) {
        return switch (tag) {
            case GeneralName.otherName -> "otherName";
            case GeneralName.rfc822Name -> "email";
            case GeneralName.dNSName -> "DNS";
            case GeneralName.x400Address -> "x400Address";
            case GeneralName.directoryName -> "directoryName";
            case GeneralName.ediPartyName -> "ediPartyName";
            case GeneralName.uniformResourceIdentifier -> "URI";
            case GeneralName.iPAddress -> "IP address";
            case GeneralName.registeredID -> "registeredID";
            default -> "tag " + tag;
        };
    }
}
