package dev.azurekeyvaultissuer.cli;

import dev.azurekeyvaultissuer.api.CaCertificateSource;
import dev.azurekeyvaultissuer.api.IssuerRevocation;
import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.issuer.InvalidIssuerSpecException;
import dev.azurekeyvaultissuer.issuer.IssuerHealth;
import dev.azurekeyvaultissuer.issuer.IssuerHealthCheck;
import dev.azurekeyvaultissuer.issuer.IssuerSettings;
import dev.azurekeyvaultissuer.issuer.RevocationLedger;
import dev.azurekeyvaultissuer.issuer.RevocationStateException;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.pki.CertificateAuthority;
import dev.azurekeyvaultissuer.pki.CertificateRevocationList;
import dev.azurekeyvaultissuer.pki.Pem;
import dev.azurekeyvaultissuer.pki.RevocationReason;
import dev.azurekeyvaultissuer.pki.RevokedCertificate;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code revoke}: adds a certificate to an issuer's CRL in the vault by serial number or certificate file, for when
 * its CertificateRequest is gone (or the cluster is). It checks the CA as the operator does, signs the new CRL with
 * the vault key and stores it in the CRL secret with the same merge the operator uses, so neither loses the other's
 * revocations. The operator serves the new list from its next check of the issuer.
 */
@Command(
        name = "revoke",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        header = "Revoke a certificate: add it to the issuer's CRL kept in the vault, signed by the vault key.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:revoked (or it already was)",
            "1:vault or Azure authentication error, or the CA or CRL in the vault cannot be used",
            "2:usage error"
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  revoke --vault-url https://contoso.vault.azure.net --key-name internal-ca \\",
            "      --serial 4F:1A:22:...:9C --reason keyCompromise",
            "  revoke --key-uri azurekms://contoso.vault.azure.net/internal-ca --certificate tls.crt"
        })
public final class RevokeCommand implements Callable<Integer> {

    public static final int EXIT_OK = 0;
    public static final int EXIT_VAULT = 1;
    public static final int EXIT_USAGE = 2;

    @Spec
    CommandSpec spec;

    @Option(names = "--vault-url", paramLabel = "URL", description = "The vault or Managed HSM of the CA key.")
    String vaultUrl;

    @Option(names = "--key-name", paramLabel = "NAME", description = "The CA key's name.")
    String keyName;

    @Option(names = "--key-version", paramLabel = "VERSION", description = "A pinned key version, as the issuer's.")
    String keyVersion;

    @Option(
            names = "--key-uri",
            paramLabel = "URI",
            description = "The key as azurekms://<vault-host>/<key>[/<version>], instead of the three above.")
    String keyUri;

    @Option(
            names = "--ca-secret-name",
            paramLabel = "NAME",
            description = "The secret holding the CA chain, as the issuer's caCertificate.secretName (default: the"
                    + " key's name).")
    String caSecretName;

    @Option(
            names = "--ca-certificate-name",
            paramLabel = "NAME",
            description = "A Key Vault certificate object holding the CA, as caCertificate.certificateName.")
    String caCertificateName;

    @Option(
            names = "--ca-vault-url",
            paramLabel = "URL",
            description = "The vault of the CA certificate and the CRL, as caCertificate.vaultURL (needed with a"
                    + " Managed HSM key).")
    String caVaultUrl;

    @Option(
            names = "--crl-secret-name",
            paramLabel = "NAME",
            description = "The CRL secret, as the issuer's revocation.secretName (default: <key name>-crl).")
    String crlSecretName;

    @Option(
            names = "--crl-validity",
            paramLabel = "DURATION",
            description = "The new CRL's validity, as revocation.crlValidity, e.g. 24h (default 24h).")
    String crlValidity;

    @Option(
            names = "--serial",
            paramLabel = "HEX",
            description = "The serial number to revoke, in hex (colons allowed), as openssl x509 -serial prints it.")
    String serial;

    @Option(
            names = "--certificate",
            paramLabel = "FILE",
            description = "A PEM certificate to revoke instead of --serial; it must be issued by this CA.")
    Path certificate;

    @Option(
            names = "--reason",
            paramLabel = "REASON",
            defaultValue = "unspecified",
            description = "An RFC 5280 reason: unspecified, keyCompromise, cACompromise, affiliationChanged,"
                    + " superseded, cessationOfOperation, privilegeWithdrawn, aACompromise. Default: unspecified.")
    String reason;

    @ArgGroup(validate = false, heading = "%nAzure connection:%n")
    CreateCaCertCommand.AzureOptions azure = new CreateCaCertCommand.AzureOptions();

    private final Map<String, String> environment;
    private final Clock clock;

    public RevokeCommand() {
        this(System.getenv(), Clock.systemUTC());
    }

    public RevokeCommand(Map<String, String> environment, Clock clock) {
        this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        IssuerSettings settings;
        RevocationReason why;
        try {
            settings = IssuerSettings.from(issuerSpec());
            why = RevocationReason.parse(reason);
            if ((serial == null) == (certificate == null)) {
                throw new IllegalArgumentException("give exactly one of --serial or --certificate");
            }
        } catch (InvalidIssuerSpecException | IllegalArgumentException e) {
            return fail(err, EXIT_USAGE, e.getMessage() + " (see revoke --help)");
        }
        try {
            KeyVault vault = CreateCaCertCommand.connect(
                    azure == null ? new CreateCaCertCommand.AzureOptions() : azure, environment);
            IssuerHealth health = new IssuerHealthCheck(clock).check(settings, vault);
            if (!(health instanceof IssuerHealth.Ready ready)) {
                IssuerHealth.NotReady n = (IssuerHealth.NotReady) health;
                return fail(err, EXIT_VAULT, "the CA cannot sign (" + n.reason() + "): " + n.message());
            }
            BigInteger serialNumber = serialNumber(ready.signer().ca());
            RevocationLedger ledger =
                    RevocationLedger.of(ready.signer(), settings.revocation().orElseThrow(), clock);
            RevokedCertificate entry = new RevokedCertificate(serialNumber, clock.instant(), why);
            CertificateRevocationList crl = ledger.publish(List.of(entry));
            RevokedCertificate stored = crl.entry(serialNumber).orElseThrow();
            out.println("revoked " + stored.serialHex() + " (" + stored.reason() + ", " + stored.revokedAt()
                    + ") in CRL "
                    + crl.number() + ", " + crl.entries().size() + " revoked in all, next update " + crl.nextUpdate()
                    + "; stored in " + settings.revocation().get().secret());
            out.println("the operator serves this list from its next check of the issuer (--resync-interval)");
            out.flush();
            return EXIT_OK;
        } catch (VaultException | RevocationStateException e) {
            return fail(err, EXIT_VAULT, e.getMessage());
        } catch (IllegalArgumentException e) {
            return fail(err, EXIT_USAGE, e.getMessage());
        } catch (CaBootstrapException e) {
            return fail(err, EXIT_USAGE, e.getMessage());
        }
    }

    /** The issuer these options describe, so the CA and CRL are found exactly where the operator finds them. */
    IssuerSpec issuerSpec() {
        IssuerSpec spec = new IssuerSpec();
        spec.setVaultURL(vaultUrl);
        spec.setKeyName(keyName);
        spec.setKeyVersion(keyVersion);
        spec.setKeyURI(keyUri);
        if (caSecretName != null || caCertificateName != null || caVaultUrl != null) {
            CaCertificateSource source = new CaCertificateSource();
            source.setSecretName(caSecretName);
            source.setCertificateName(caCertificateName);
            source.setVaultURL(caVaultUrl);
            spec.setCaCertificate(source);
        }
        IssuerRevocation revocation = new IssuerRevocation();
        revocation.setSecretName(crlSecretName);
        revocation.setCrlValidity(crlValidity);
        spec.setRevocation(revocation);
        return spec;
    }

    private BigInteger serialNumber(CertificateAuthority ca) {
        if (serial != null) {
            return RevokedCertificate.parseSerial(serial);
        }
        String pem;
        try {
            pem = Files.readString(certificate);
        } catch (IOException e) {
            throw new IllegalArgumentException("--certificate: cannot read " + certificate);
        }
        List<X509Certificate> certificates = Pem.decodeCertificates(pem, CertificateAuthority.MAX_PEM_CHARS);
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("--certificate: " + certificate + " holds no PEM certificate");
        }
        X509Certificate leaf = certificates.get(0);
        if (!ca.issued(leaf)) {
            throw new IllegalArgumentException("--certificate: " + certificate + " was not issued by this CA");
        }
        return leaf.getSerialNumber();
    }

    private static int fail(PrintWriter err, int code, String message) {
        err.println("revoke: " + message);
        err.flush();
        return code;
    }
}
