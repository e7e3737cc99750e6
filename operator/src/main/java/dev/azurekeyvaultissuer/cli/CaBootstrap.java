package dev.azurekeyvaultissuer.cli;

import dev.azurekeyvaultissuer.keyvault.CertificateReference;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.KeyVaultAdministration;
import dev.azurekeyvaultissuer.keyvault.SecretReference;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.pki.CaCertificateFactory;
import dev.azurekeyvaultissuer.pki.CertificateAuthority;
import dev.azurekeyvaultissuer.pki.Pem;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * Carries out a {@link CaBootstrapPlan} against a vault, in the order that keeps a failure cheap: read and check the
 * key (or create it), make and verify the CA certificate locally, write the local files, and only then store the
 * chain in the vault. A dry run makes the same reads and checks and writes nothing, neither to the vault nor to files.
 *
 * <p>Progress goes to {@code err}, one line per step; what a script consumes (PEM, the ClusterIssuer) goes to
 * {@code out} or to files. Everything written to the vault is also listed in {@link #written()}, so a failure after a
 * write can say what already exists.
 */
final class CaBootstrap {

    static final String PEM_CONTENT_TYPE = "application/x-pem-file";
    static final String CREATED_BY = "azure-keyvault-issuer";
    private static final int MAX_TAG_VALUE = 256;

    private final KeyVaultAdministration vault;
    private final Clock clock;
    private final PrintWriter out;
    private final PrintWriter err;
    private final List<String> written = new ArrayList<>();

    CaBootstrap(KeyVaultAdministration vault, Clock clock, PrintWriter out, PrintWriter err) {
        this.vault = Objects.requireNonNull(vault, "vault");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.out = Objects.requireNonNull(out, "out");
        this.err = Objects.requireNonNull(err, "err");
    }

    /** What was written to the vault so far, e.g. {@code key 'ca' version 0123... in https://...}. */
    List<String> written() {
        return List.copyOf(written);
    }

    /** What the run produced; the chain is empty after a CSR or a dry run. */
    record Result(
            Optional<VaultKey> key,
            List<X509Certificate> chain,
            Optional<String> csrPem,
            Optional<String> secretId,
            Optional<String> issuerManifest) {}

    Result run(CaBootstrapPlan plan) {
        if (plan.dryRun()) {
            step("dry run: reads only; nothing is written to the vault or to files");
        }
        step("identity: " + vault.identity());
        Optional<KeyVaultAdministration.PendingCertificate> pending = Optional.empty();
        VaultKey key;
        if (plan.certificate().isPresent()) {
            pending = certificateKey(plan);
            key = pending.map(KeyVaultAdministration.PendingCertificate::key).orElse(null);
        } else if (plan.newKey().isPresent()) {
            key = createKey(plan);
        } else {
            key = existingKey(plan.key());
        }
        SignatureAlgorithm algorithm = null;
        if (key != null) {
            checkCanSign(key);
            algorithm = algorithm(plan, key);
        }
        CaCertificateFactory factory = new CaCertificateFactory(vault, clock);
        CaBootstrapPlan.Mode mode = plan.mode();
        if (mode instanceof CaBootstrapPlan.Mode.IntermediateCsr csr) {
            return intermediateCsr(plan, factory, key, algorithm, csr.csrOut());
        }
        CertificateAuthority ca = null;
        if (mode instanceof CaBootstrapPlan.Mode.Root) {
            if (key == null || plan.dryRun()) {
                step("would self-sign the root CA \"" + plan.subject().orElseThrow() + "\" valid "
                        + CreateCaDurations.format(plan.validity()) + ", " + pathLength(plan.pathLength()) + ", with "
                        + (key == null ? "the new key" : algorithm) + " (one sign call) and verify it locally");
            } else {
                step("signing the root CA \"" + plan.subject().orElseThrow() + "\" valid "
                        + CreateCaDurations.format(plan.validity()) + ", " + pathLength(plan.pathLength()) + ", with "
                        + algorithm + " (one sign call)");
                X509Certificate root = factory.selfSignedRoot(
                        plan.subject().orElseThrow(), plan.validity(), plan.pathLength(), key, algorithm);
                ca = CertificateAuthority.of(List.of(root));
                // The issuer's own check: whatever passes here, the operator accepts.
                ca.checkUsable(key.publicKey(), clock.instant());
                step("verified: the root's signature and public key are the vault key's; serial "
                        + root.getSerialNumber().toString(16) + ", valid until "
                        + root.getNotAfter().toInstant()
                        + ", " + pathLengthOf(root));
            }
        } else {
            Path chainFile = ((CaBootstrapPlan.Mode.ImportSigned) mode).chainPem();
            String chainPem = read(chainFile);
            ca = factory.importSigned(chainPem, key, clock.instant());
            step("verified: " + name(ca.certificate()) + " holds the vault key, is a CA valid now, and chains up to "
                    + name(ca.root()) + " (" + ca.chain().size() + " certificates); the parent set "
                    + pathLengthOf(ca.certificate()));
        }
        return publish(plan, key, ca, pending);
    }

    // ------------------------------------------------------------------ the key

    private VaultKey existingKey(KeyReference reference) {
        try {
            VaultKey key = vault.getKey(reference);
            step("key " + key.keyId() + ": " + describe(key));
            return key;
        } catch (VaultException e) {
            if (e.kind() == VaultException.Kind.NOT_FOUND) {
                throw new CaBootstrapException(
                        CreateCaCertCommand.EXIT_VAULT,
                        e.getMessage()
                                + ": check the name (and version), or add --create-key --key-type TYPE to create it",
                        e);
            }
            throw e;
        }
    }

    private VaultKey createKey(CaBootstrapPlan plan) {
        CaBootstrapPlan.NewKey spec = plan.newKey().orElseThrow();
        KeyReference name = new KeyReference(plan.key().vaultUrl(), plan.key().name(), Optional.empty());
        Optional<VaultKey> existing = vault.findKey(name);
        if (existing.isPresent() && !spec.newVersion()) {
            throw new CaBootstrapException(
                    CreateCaCertCommand.EXIT_EXISTS,
                    "key '" + name.name() + "' already"
                            + " exists in " + name.vaultUrl() + " (current version "
                            + existing.get().version() + ", "
                            + describe(existing.get())
                            + "). Creating it again would add a version, which is how a CA key"
                            + " is rotated: add --new-version to do that, or drop --create-key to make the CA with the"
                            + " existing key");
        }
        boolean hsm = spec.hsm() || plan.managedHsm();
        String what = (existing.isPresent() ? "a new version of key '" : "key '") + name.name() + "' ("
                + spec.type().describe(hsm) + ", sign/verify only, not exportable) in " + name.vaultUrl();
        if (plan.dryRun()) {
            step("would create " + what);
            return null;
        }
        step("creating " + what);
        VaultKey key = vault.createKey(
                new KeyVaultAdministration.NewKey(name.vaultUrl(), name.name(), spec.type(), hsm, tags(plan, "ca")));
        written.add("key '" + name.name() + "' version " + key.version() + " in " + name.vaultUrl());
        step("created key " + key.keyId());
        return key;
    }

    private Optional<KeyVaultAdministration.PendingCertificate> certificateKey(CaBootstrapPlan plan) {
        CertificateReference certificate = plan.certificate().orElseThrow();
        if (plan.mode() instanceof CaBootstrapPlan.Mode.ImportSigned) {
            KeyVaultAdministration.PendingCertificate pending = vault.pendingCertificate(certificate);
            step("certificate '" + certificate.name() + "' has a pending request for key "
                    + pending.key().keyId());
            return Optional.of(pending);
        }
        CaBootstrapPlan.NewKey spec = plan.newKey().orElseThrow();
        Optional<byte[]> existing = vault.findCertificate(certificate);
        if (existing.isPresent() && !spec.newVersion()) {
            throw new CaBootstrapException(
                    CreateCaCertCommand.EXIT_EXISTS,
                    "certificate '" + certificate.name()
                            + "' already exists in " + certificate.vaultUrl()
                            + ". Creating it again would add a version"
                            + " with a new key, which is how such a CA is rotated: add --new-version to do that");
        }
        String what = (existing.isPresent() ? "a new version of certificate '" : "certificate '")
                + certificate.name() + "' in " + certificate.vaultUrl() + " with issuer Unknown; the vault creates"
                + " its key '" + certificate.name() + "' (" + spec.type().describe(spec.hsm())
                + ", not exportable) and a pending request";
        if (plan.dryRun()) {
            step("would create " + what);
            return Optional.empty();
        }
        step("creating " + what);
        int months = (int) Math.max(1, Math.min(1200, Math.ceil(plan.validity().toDays() / 30.0)));
        KeyVaultAdministration.PendingCertificate pending =
                vault.createPendingCertificate(new KeyVaultAdministration.NewCertificate(
                        certificate,
                        spec.type(),
                        spec.hsm(),
                        plan.subject().orElseThrow(),
                        months,
                        tags(plan, plan.mode() instanceof CaBootstrapPlan.Mode.Root ? "root-ca" : "intermediate-ca")));
        written.add("pending certificate '" + certificate.name() + "' with key version "
                + pending.key().version() + " in " + certificate.vaultUrl());
        step("the vault created key " + pending.key().keyId() + " for the certificate");
        return Optional.of(pending);
    }

    private void checkCanSign(VaultKey key) {
        key.signRefusalAt(clock.instant()).ifPresent(refusal -> {
            throw new CaBootstrapException(
                    CreateCaCertCommand.EXIT_VAULT,
                    "key " + key.keyId() + " "
                            + refusal.text()
                            + ": a CA key must be enabled, valid now and allowed to sign; fix it in the"
                            + " vault or use another key");
        });
    }

    private static SignatureAlgorithm algorithm(CaBootstrapPlan plan, VaultKey key) {
        try {
            return SignatureAlgorithm.choose(plan.signatureAlgorithm(), key.publicKey(), key.keyId());
        } catch (IllegalArgumentException e) {
            if (plan.signatureAlgorithm().isPresent()) {
                throw CaBootstrapException.usage("--signature-algorithm " + e.getMessage());
            }
            throw new CaBootstrapException(
                    CreateCaCertCommand.EXIT_VAULT, "key " + key.keyId() + ": " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ intermediate CSR

    private Result intermediateCsr(
            CaBootstrapPlan plan,
            CaCertificateFactory factory,
            VaultKey key,
            SignatureAlgorithm algorithm,
            Path csrOut) {
        String subject = plan.subject().orElseThrow();
        String destination = "-".equals(csrOut.toString()) ? "standard output" : csrOut.toString();
        if (key == null || plan.dryRun()) {
            step("would sign a CSR for the intermediate CA \"" + subject + "\" with "
                    + (key == null ? "the new key" : algorithm) + " (one sign call) and write it to " + destination);
            return new Result(Optional.empty(), List.of(), Optional.empty(), Optional.empty(), Optional.empty());
        }
        step("signing a CSR for the intermediate CA \"" + subject + "\" with " + algorithm + " (one sign call)");
        PKCS10CertificationRequest csr = factory.intermediateCsr(subject, key, algorithm);
        String pem;
        try {
            pem = Pem.encode(Pem.CERTIFICATE_REQUEST, csr.getEncoded());
        } catch (IOException e) {
            throw new UncheckedIOException("encoding the CSR failed", e);
        }
        writeOut(csrOut, pem);
        step("wrote the CSR to " + destination);
        String keyOption = plan.certificate()
                .map(c -> "--vault-url " + c.vaultUrl() + " --certificate-name " + c.name())
                .orElseGet(() -> plan.keyUriForm()
                        ? "--key-uri " + CaBootstrapIssuerManifest.azureKms(plan.key())
                        : "--vault-url " + plan.key().vaultUrl() + " --key-name "
                                + plan.key().name());
        step("the CSR requests no pathLenConstraint: the parent CA sets it when it signs");
        step("next: have the parent CA sign it as a CA certificate (basicConstraints CA:TRUE, keyUsage keyCertSign"
                + " and cRLSign), then import it with the chain up to the root:");
        step("  create-ca-cert " + keyOption + " --import-signed signed-chain.pem");
        step("the key version this CSR is for is " + key.version()
                + "; the import checks that the signed certificate holds exactly that key");
        return new Result(Optional.of(key), List.of(), Optional.of(pem), Optional.empty(), Optional.empty());
    }

    // ------------------------------------------------------------------ publishing

    private Result publish(
            CaBootstrapPlan plan,
            VaultKey key,
            CertificateAuthority ca,
            Optional<KeyVaultAdministration.PendingCertificate> pending) {
        List<X509Certificate> chain = ca == null ? List.of() : ca.chain();
        String pem = Pem.encode(chain);
        String pemDestination = plan.out().map(Path::toString).orElse("standard output");
        if (plan.dryRun()) {
            step("would write the CA certificate" + (chain.size() > 1 ? " chain" : "") + " (PEM) to " + pemDestination);
        } else {
            plan.out().ifPresentOrElse(path -> writeFile(path, pem), () -> {
                out.print(pem);
                out.flush();
            });
            step("wrote the CA certificate" + (chain.size() > 1 ? " chain" : "") + " to " + pemDestination);
        }
        if (plan.certificate().isPresent()) {
            CertificateReference certificate = plan.certificate().get();
            if (plan.dryRun()) {
                step("would merge the CA certificate into certificate '" + certificate.name() + "' in "
                        + certificate.vaultUrl());
            } else {
                byte[] merged = vault.mergeCertificate(
                        certificate, chain.stream().map(CaBootstrap::der).toList());
                written.add("certificate '" + certificate.name() + "' in " + certificate.vaultUrl());
                if (!Arrays.equals(merged, der(chain.get(0)))) {
                    throw new CaBootstrapException(
                            CreateCaCertCommand.EXIT_VERIFICATION,
                            "certificate '"
                                    + certificate.name() + "' in " + certificate.vaultUrl() + " does not hold the CA"
                                    + " certificate just merged; check the object's versions in the vault");
                }
                step("merged the CA certificate into certificate '" + certificate.name() + "'");
            }
        }
        Optional<String> secretId = Optional.empty();
        if (plan.secret().isPresent()) {
            SecretReference secret = plan.secret().get();
            if (plan.dryRun()) {
                step("would store the PEM chain in secret '" + secret.name() + "' in " + secret.vaultUrl()
                        + " (contentType " + PEM_CONTENT_TYPE + ", a new version if it exists)");
            } else {
                Map<String, String> tags = new LinkedHashMap<>();
                tags.put("created-by", CREATED_BY);
                tags.put("purpose", "ca-chain");
                tags.put("ca-key-id", truncate(key.keyId()));
                secretId = Optional.of(vault.setSecret(secret, pem, PEM_CONTENT_TYPE, tags));
                written.add("secret '" + secret.name() + "' in " + secret.vaultUrl());
                step("stored the chain as " + secretId.get());
            }
        }
        String manifest = CaBootstrapIssuerManifest.clusterIssuer(
                plan.issuerName(),
                plan.key(),
                plan.keyUriForm(),
                Optional.ofNullable(key).map(VaultKey::version),
                plan.secret(),
                plan.certificate(),
                plan.signatureAlgorithm());
        if (plan.dryRun()) {
            step("would print this ClusterIssuer:");
            err.print(manifest);
        } else if (plan.issuerOut().isPresent()) {
            writeFile(plan.issuerOut().get(), manifest);
            step("wrote the ClusterIssuer to " + plan.issuerOut().get());
        } else if (plan.out().isPresent()) {
            out.print(manifest);
        } else {
            step("the ClusterIssuer for this CA (standard output carries the PEM; --issuer-out FILE writes this):");
            err.print(manifest);
        }
        if (plan.newKey().map(CaBootstrapPlan.NewKey::newVersion).orElse(false) && !plan.dryRun()) {
            step("rotation: issuers that follow the key's current version switch to the new key and this chain at"
                    + " their next check; distribute the new root to relying parties"
                    + (ca != null && ca.chain().size() == 1 ? " before certificates from it are in use" : ""));
        }
        out.flush();
        err.flush();
        return new Result(Optional.ofNullable(key), chain, Optional.empty(), secretId, Optional.of(manifest));
    }

    // ------------------------------------------------------------------ helpers

    private Map<String, String> tags(CaBootstrapPlan plan, String purpose) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("created-by", CREATED_BY);
        tags.put("purpose", purpose);
        plan.subject().ifPresent(s -> tags.put("ca-subject", truncate(s)));
        return tags;
    }

    private static String truncate(String value) {
        return value.length() <= MAX_TAG_VALUE ? value : value.substring(0, MAX_TAG_VALUE);
    }

    /** What a pathLenConstraint means, for the output: how many intermediate CAs may follow. */
    private static String pathLength(OptionalInt pathLength) {
        return pathLength.isPresent()
                ? "pathLenConstraint " + pathLength.getAsInt() + " (at most " + pathLength.getAsInt()
                        + " intermediate CA" + (pathLength.getAsInt() == 1 ? "" : "s") + " below it)"
                : "no pathLenConstraint (any number of intermediate CAs below it)";
    }

    private static String pathLengthOf(X509Certificate certificate) {
        int constraint = certificate.getBasicConstraints();
        return pathLength(
                constraint < 0 || constraint == Integer.MAX_VALUE ? OptionalInt.empty() : OptionalInt.of(constraint));
    }

    private void step(String line) {
        err.println(line);
        err.flush();
    }

    private void writeOut(Path path, String text) {
        if ("-".equals(path.toString())) {
            out.print(text);
            out.flush();
        } else {
            writeFile(path, text);
        }
    }

    private static void writeFile(Path path, String text) {
        try {
            Files.writeString(path, text, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    private static String read(Path path) {
        try {
            return Files.readString(path, StandardCharsets.US_ASCII);
        } catch (IOException | UncheckedIOException e) {
            throw CaBootstrapException.usage("cannot read " + path + ": " + e.getMessage());
        }
    }

    private static byte[] der(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("a parsed certificate could not be re-encoded", e);
        }
    }

    private static String name(X509Certificate certificate) {
        return "\"" + certificate.getSubjectX500Principal().getName() + "\"";
    }

    private static String describe(VaultKey key) {
        String kind = key.publicKey() instanceof java.security.interfaces.RSAPublicKey rsa
                ? "RSA " + rsa.getModulus().bitLength()
                : key.publicKey() instanceof java.security.interfaces.ECPublicKey ec
                        ? "EC " + ec.getParams().getCurve().getField().getFieldSize() + "-bit curve"
                        : key.publicKey().getAlgorithm();
        return kind + (key.hsmProtected() ? ", HSM-protected" : ", software-protected");
    }
}
