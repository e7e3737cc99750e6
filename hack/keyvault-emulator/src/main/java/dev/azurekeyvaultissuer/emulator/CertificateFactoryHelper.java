package dev.azurekeyvaultissuer.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** CSRs and self-signed certificates made from a certificate policy's x509_props with a vault key. */
final class CertificateFactoryHelper {
    private CertificateFactoryHelper() {}

    static byte[] csr(KeyEntry key, JsonNode policy) {
        JsonNode x509 = policy.path("x509_props");
        try {
            JcaPKCS10CertificationRequestBuilder b = new JcaPKCS10CertificationRequestBuilder(
                    subject(x509), key.keyPair().getPublic());
            List<Extension> extensions = extensionList(x509, false);
            if (!extensions.isEmpty()) {
                ExtensionsGenerator g = new ExtensionsGenerator();
                for (Extension e : extensions) {
                    g.addExtension(e);
                }
                b.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, g.generate());
            }
            return b.build(signer(key)).getEncoded();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static X509Certificate selfSigned(KeyEntry key, JsonNode policy, Instant now) {
        JsonNode x509 = policy.path("x509_props");
        X500Name subject = subject(x509);
        int months = x509.path("validity_months").asInt(12);
        try {
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    subject,
                    KeyCrypto.randomSerial(),
                    Date.from(now.minus(5, ChronoUnit.MINUTES)),
                    Date.from(now.plus(months * 30L, ChronoUnit.DAYS)),
                    subject,
                    key.keyPair().getPublic());
            for (Extension e : extensionList(x509, true)) {
                b.addExtension(e);
            }
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            b.addExtension(
                    Extension.subjectKeyIdentifier,
                    false,
                    utils.createSubjectKeyIdentifier(key.keyPair().getPublic()));
            return new JcaX509CertificateConverter().getCertificate(b.build(signer(key)));
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot self-sign certificate", e);
        }
    }

    private static X500Name subject(JsonNode x509) {
        String subject = Json.text(x509, "subject");
        try {
            return new X500Name(subject == null ? "" : subject);
        } catch (IllegalArgumentException e) {
            throw ErrorResponses.badParameter("Invalid subject '" + subject + "' in the certificate policy.");
        }
    }

    private static List<Extension> extensionList(JsonNode x509, boolean certificate) throws IOException {
        List<Extension> out = new ArrayList<>();
        JsonNode sans = x509.path("sans");
        List<GeneralName> names = new ArrayList<>();
        Json.strings(sans.get("dns_names")).forEach(d -> names.add(new GeneralName(GeneralName.dNSName, d)));
        Json.strings(sans.get("emails")).forEach(d -> names.add(new GeneralName(GeneralName.rfc822Name, d)));
        Json.strings(sans.get("upns"))
                .forEach(d -> names.add(new GeneralName(
                        GeneralName.otherName,
                        new org.bouncycastle.asn1.DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {
                            new ASN1ObjectIdentifier("1.3.6.1.4.1.311.20.2.3"),
                            new org.bouncycastle.asn1.DERTaggedObject(
                                    true, 0, new org.bouncycastle.asn1.DERUTF8String(d))
                        }))));
        String subject = Json.text(x509, "subject");
        if (!names.isEmpty()) {
            boolean emptySubject = subject == null || subject.isBlank();
            out.add(new Extension(
                    Extension.subjectAlternativeName,
                    emptySubject,
                    new GeneralNames(names.toArray(new GeneralName[0])).getEncoded()));
        }
        List<String> usages = Json.strings(x509.get("key_usage"));
        if (!usages.isEmpty()) {
            int bits = 0;
            for (String u : usages) {
                bits |= switch (u) {
                    case "digitalSignature" -> KeyUsage.digitalSignature;
                    case "nonRepudiation" -> KeyUsage.nonRepudiation;
                    case "keyEncipherment" -> KeyUsage.keyEncipherment;
                    case "dataEncipherment" -> KeyUsage.dataEncipherment;
                    case "keyAgreement" -> KeyUsage.keyAgreement;
                    case "keyCertSign" -> KeyUsage.keyCertSign;
                    case "cRLSign" -> KeyUsage.cRLSign;
                    case "encipherOnly" -> KeyUsage.encipherOnly;
                    case "decipherOnly" -> KeyUsage.decipherOnly;
                    default -> throw ErrorResponses.badParameter("Invalid key usage '" + u + "'.");
                };
            }
            out.add(new Extension(Extension.keyUsage, true, new KeyUsage(bits).getEncoded()));
        }
        List<String> ekus = Json.strings(x509.get("ekus"));
        if (!ekus.isEmpty()) {
            KeyPurposeId[] ids = ekus.stream()
                    .map(o -> KeyPurposeId.getInstance(new ASN1ObjectIdentifier(o)))
                    .toArray(KeyPurposeId[]::new);
            out.add(new Extension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(ids).getEncoded()));
        }
        JsonNode bc = x509.path("basic_constraints");
        boolean ca = bc.path("ca").asBoolean(usages.contains("keyCertSign"));
        if (certificate || bc.has("ca")) {
            out.add(new Extension(Extension.basicConstraints, true, new BasicConstraints(ca).getEncoded()));
        }
        return out;
    }

    private static ContentSigner signer(KeyEntry key) {
        String alg = key.type().isRsa()
                ? "SHA256withRSA"
                : switch (key.type().curve()) {
                    case "P-384" -> "SHA384withECDSA";
                    case "P-521" -> "SHA512withECDSA";
                    default -> "SHA256withECDSA";
                };
        try {
            return new JcaContentSignerBuilder(alg).build(key.keyPair().getPrivate());
        } catch (OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean samePublicKey(X509Certificate certificate, KeyPair keyPair) {
        return java.util.Arrays.equals(
                certificate.getPublicKey().getEncoded(), keyPair.getPublic().getEncoded());
    }
}
