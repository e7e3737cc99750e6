package dev.azurekeyvaultissuer.emulator;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/** PEM reading and writing for certificates and public keys. */
final class Pem {
    private Pem() {}

    static String write(Object... objects) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                w.writeObject(o);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    static X509Certificate certificate(byte[] der) {
        try {
            return (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new IllegalArgumentException("not an X.509 certificate: " + e.getMessage(), e);
        }
    }

    static List<X509Certificate> certificates(String pem) {
        List<X509Certificate> out = new ArrayList<>();
        for (Object o : objects(pem)) {
            if (o instanceof X509CertificateHolder h) {
                try {
                    out.add(certificate(h.getEncoded()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return out;
    }

    /** Public keys of a PEM text: PUBLIC KEY blocks and the keys of CERTIFICATE blocks. */
    static List<PublicKey> publicKeys(String pem) {
        List<PublicKey> out = new ArrayList<>();
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        for (Object o : objects(pem)) {
            try {
                if (o instanceof SubjectPublicKeyInfo spki) {
                    out.add(converter.getPublicKey(spki));
                } else if (o instanceof X509CertificateHolder h) {
                    out.add(certificate(h.getEncoded()).getPublicKey());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    private static List<Object> objects(String pem) {
        List<Object> out = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o;
            while ((o = parser.readObject()) != null) {
                out.add(o);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid PEM: " + e.getMessage(), e);
        }
        return out;
    }
}
