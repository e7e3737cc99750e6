package dev.azurekeyvaultissuer.cli;

import dev.azurekeyvaultissuer.keyvault.CaKeyType;
import dev.azurekeyvaultissuer.keyvault.CertificateReference;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.SecretReference;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What one {@code create-ca-cert} run is to do, checked: which key (and whether to create it), which CA (root, CSR for
 * an intermediate, or import of the signed intermediate), and where the result goes. Built from the command line by
 * {@link CreateCaCertCommand}; carried out by {@link CaBootstrap}.
 *
 * @param key the CA key; without a version its current one. With a certificate object, the object's own key
 * @param keyUriForm the user named the key by {@code azurekms://}: the printed issuer does too
 * @param managedHsm the key lives in a Managed HSM, which stores keys only
 * @param newKey create the key (or a certificate object's key) first
 * @param certificate the Key Vault certificate object that holds the CA certificate and owns its key
 * @param subject RFC 4514; absent when importing, where the signed certificate decides
 * @param out where the PEM chain goes; absent: standard output
 * @param secret the vault secret that receives the PEM chain; absent: none
 * @param issuerName the printed ClusterIssuer's name
 * @param issuerOut where the ClusterIssuer YAML goes; absent: standard output after the PEM went to a file, else
 *     standard error
 */
public record CaBootstrapPlan(
        KeyReference key,
        boolean keyUriForm,
        boolean managedHsm,
        Optional<NewKey> newKey,
        Optional<CertificateReference> certificate,
        Mode mode,
        Optional<String> subject,
        Duration validity,
        OptionalInt pathLength,
        Optional<SignatureAlgorithm> signatureAlgorithm,
        Optional<Path> out,
        Optional<SecretReference> secret,
        String issuerName,
        Optional<Path> issuerOut,
        boolean dryRun) {

    /** Ten years, as the original tool made its CA. */
    public static final Duration DEFAULT_VALIDITY = Duration.ofHours(87600);

    public CaBootstrapPlan {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(newKey, "newKey");
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(validity, "validity");
        Objects.requireNonNull(pathLength, "pathLength");
        Objects.requireNonNull(signatureAlgorithm, "signatureAlgorithm");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(issuerName, "issuerName");
        Objects.requireNonNull(issuerOut, "issuerOut");
    }

    /** What kind of CA certificate this run makes. */
    public sealed interface Mode {

        /** A self-signed root, signed by the vault key. */
        record Root() implements Mode {}

        /** A CSR for an intermediate CA, signed by the vault key, for another CA to sign; {@code -} is stdout. */
        record IntermediateCsr(Path csrOut) implements Mode {}

        /** The certificate another CA signed for the vault key, with the chain above it, to check and publish. */
        record ImportSigned(Path chainPem) implements Mode {}
    }

    /**
     * A key to create.
     *
     * @param hsm HSM-protected; always so in a Managed HSM
     * @param newVersion a key of that name may exist and gets a new version (rotation)
     */
    public record NewKey(CaKeyType type, boolean hsm, boolean newVersion) {
        public NewKey {
            Objects.requireNonNull(type, "type");
        }
    }
}
