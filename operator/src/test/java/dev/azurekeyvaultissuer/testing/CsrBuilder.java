package dev.azurekeyvaultissuer.testing;

import dev.azurekeyvaultissuer.pki.KeyUsages;
import dev.azurekeyvaultissuer.pki.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Builds PKCS#10 CSRs for tests the way cert-manager and other clients do, including the odd ones: any SAN kind,
 * keyUsage/extendedKeyUsage/basicConstraints, foreign keys and signature algorithms (signed with an explicit
 * BouncyCastle provider instance, so secp256k1, Ed448 or DSA keys work too).
 */
public final class CsrBuilder {

    private final KeyPair keyPair;
    private X500Name subject = new X500Name(new org.bouncycastle.asn1.x500.RDN[0]);
    private final List<GeneralName> sans = new ArrayList<>();
    private final ExtensionsGenerator extensions = new ExtensionsGenerator();
    private boolean anyExtension;
    private String signatureAlgorithm;
    private KeyPair signer;

    private CsrBuilder(KeyPair keyPair) {
        this.keyPair = keyPair;
        this.signer = keyPair;
    }

    public static CsrBuilder forKey(KeyPair keyPair) {
        return new CsrBuilder(keyPair);
    }

    /** An RFC 4514 subject such as {@code CN=app,O=Contoso}; empty string for an empty subject. */
    public CsrBuilder subject(String rfc4514) {
        this.subject = X500Name.getInstance(new X500Principal(rfc4514).getEncoded());
        return this;
    }

    public CsrBuilder subject(X500Name name) {
        this.subject = name;
        return this;
    }

    public CsrBuilder dns(String... names) {
        for (String name : names) {
            sans.add(new GeneralName(GeneralName.dNSName, name));
        }
        return this;
    }

    /** IP addresses as text, v4 or v6. */
    public CsrBuilder ip(String... addresses) {
        for (String address : addresses) {
            try {
                sans.add(new GeneralName(
                        GeneralName.iPAddress,
                        new DEROctetString(InetAddress.getByName(address).getAddress())));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(address, e);
            }
        }
        return this;
    }

    public CsrBuilder uri(String... uris) {
        for (String uri : uris) {
            sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
        }
        return this;
    }

    public CsrBuilder email(String... addresses) {
        for (String address : addresses) {
            sans.add(new GeneralName(GeneralName.rfc822Name, address));
        }
        return this;
    }

    /** An otherName SAN with a UTF8String value, e.g. a Microsoft UPN (1.3.6.1.4.1.311.20.2.3). */
    public CsrBuilder otherName(String oid, String value) {
        sans.add(new GeneralName(GeneralName.otherName, new DERSequence(new ASN1Encodable[] {
            new ASN1ObjectIdentifier(oid), new DERTaggedObject(true, 0, new DERUTF8String(value))
        })));
        return this;
    }

    public CsrBuilder san(GeneralName name) {
        sans.add(name);
        return this;
    }

    /** keyUsage and extendedKeyUsage as cert-manager encodes them for those spec.usages and isCA. */
    public CsrBuilder usages(List<String> usages, boolean isCA) {
        KeyUsages mapped = KeyUsages.of(usages, isCA);
        if (mapped.keyUsageBits() != 0) {
            keyUsage(mapped.keyUsageBits());
        }
        if (!mapped.extendedKeyUsages().isEmpty()) {
            extendedKeyUsage(mapped.extendedKeyUsages().stream()
                    .map(KeyPurposeId::getInstance)
                    .toArray(KeyPurposeId[]::new));
        }
        return this;
    }

    public CsrBuilder keyUsage(int bits) {
        return extension(Extension.keyUsage, true, new KeyUsage(bits));
    }

    public CsrBuilder extendedKeyUsage(KeyPurposeId... purposes) {
        return extension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes));
    }

    public CsrBuilder basicConstraints(boolean ca) {
        return extension(Extension.basicConstraints, true, new BasicConstraints(ca));
    }

    /** basicConstraints cA=true with a pathLenConstraint, as cert-manager's UseCertificateRequestBasicConstraints. */
    public CsrBuilder basicConstraints(int pathLength) {
        return extension(Extension.basicConstraints, true, new BasicConstraints(pathLength));
    }

    /** nameConstraints as cert-manager's spec.nameConstraints encodes them; either may be null. */
    public CsrBuilder nameConstraints(List<GeneralName> permitted, List<GeneralName> excluded) {
        return extension(Extension.nameConstraints, true, new NameConstraints(subtrees(permitted), subtrees(excluded)));
    }

    private static GeneralSubtree[] subtrees(List<GeneralName> names) {
        return names == null ? null : names.stream().map(GeneralSubtree::new).toArray(GeneralSubtree[]::new);
    }

    public CsrBuilder extension(ASN1ObjectIdentifier oid, boolean critical, ASN1Encodable value) {
        try {
            extensions.addExtension(oid, critical, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        anyExtension = true;
        return this;
    }

    /** A JCA signature name such as {@code SHA384withRSA}, {@code SHA256withRSAandMGF1}, {@code SHA1withRSA}. */
    public CsrBuilder signatureAlgorithm(String name) {
        this.signatureAlgorithm = name;
        return this;
    }

    /** Signs with another key than the one in the CSR: the signature will not verify. */
    public CsrBuilder signWith(KeyPair other) {
        this.signer = other;
        return this;
    }

    public PKCS10CertificationRequest build() {
        PKCS10CertificationRequestBuilder builder =
                new JcaPKCS10CertificationRequestBuilder(subject, keyPair.getPublic());
        ExtensionsGenerator all = new ExtensionsGenerator();
        try {
            if (!sans.isEmpty()) {
                all.addExtension(
                        Extension.subjectAlternativeName,
                        subject.getRDNs().length == 0,
                        new GeneralNames(sans.toArray(GeneralName[]::new)));
            }
            if (anyExtension) {
                for (ASN1ObjectIdentifier oid : extensions.generate().getExtensionOIDs()) {
                    all.addExtension(extensions.generate().getExtension(oid));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!all.isEmpty()) {
            builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, all.generate());
        }
        return builder.build(contentSigner());
    }

    public String pem() {
        try {
            return Pem.encode(Pem.CERTIFICATE_REQUEST, build().getEncoded());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String defaultAlgorithm(KeyPair pair) {
        if (pair.getPrivate() instanceof java.security.interfaces.EdECKey ed) {
            return ed.getParams().getName();
        }
        return switch (pair.getPrivate().getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "DSA" -> "SHA256withDSA";
            default -> pair.getPrivate().getAlgorithm();
        };
    }

    private ContentSigner contentSigner() {
        String algorithm = signatureAlgorithm != null ? signatureAlgorithm : defaultAlgorithm(signer);
        try {
            return new JcaContentSignerBuilder(algorithm)
                    .setProvider(TestKeyPairs.bouncyCastle())
                    .build(signer.getPrivate());
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign a CSR with " + algorithm, e);
        }
    }
}
