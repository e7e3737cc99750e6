package dev.azurekeyvaultissuer.cli;

import dev.azurekeyvaultissuer.keyvault.CaKeyType;
import dev.azurekeyvaultissuer.keyvault.CertificateReference;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.KeyVaultAdministration;
import dev.azurekeyvaultissuer.keyvault.SecretReference;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.ToolCredentials;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.azure.AzureClientOptions;
import dev.azurekeyvaultissuer.keyvault.azure.AzureKeyVaultAdministration;
import dev.azurekeyvaultissuer.pki.CaCertificateException;
import dev.azurekeyvaultissuer.pki.SignatureMismatchException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code create-ca-cert}: bootstraps a CA whose private key is a Key Vault or Managed HSM key and never leaves it.
 * Parses and checks the command line into a {@link CaBootstrapPlan}, connects to Azure with the identity cosign's
 * Azure KMS support would pick, and lets {@link CaBootstrap} do the work with the operator's own PKI and vault code.
 */
@Command(
        name = "create-ca-cert",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        headerHeading = "%n",
        header = "Create a CA certificate whose private key is an Azure Key Vault or Managed HSM key that never leaves"
                + " the vault, and print the ClusterIssuer that uses it.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%nWhat it does:%n",
        description = {
            "  Root CA (default): self-signs a CA certificate with the vault key (keyCertSign and cRLSign, subject key"
                    + " identifier, random serial), verifies the signature locally, writes the PEM to standard output"
                    + " or --out, stores it in the vault secret named like the key, and prints the ClusterIssuer.",
            "  Intermediate CA: --intermediate-csr FILE writes a CSR signed by the vault key for your offline root;"
                    + " later --import-signed FILE checks the signed certificate (it must hold the vault key, be a CA"
                    + " and chain up to a root) and publishes it with its chain like a root.",
            "  Key: name an existing key (--vault-url with --key-name, or --key-uri), or add --create-key to create"
                    + " one (sign/verify only, not exportable, tagged created-by=azure-keyvault-issuer). Creating a"
                    + " key that exists fails unless --new-version asks for a new version: that is a rotation.",
            "  Progress goes to standard error; nothing is written before the key is read and the certificate"
                    + " verified. --dry-run makes only reads and shows what would be written.",
            ""
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done (or, with --dry-run, everything checked)",
            "1:vault or Azure authentication error: the message names the object and, for a 403, the missing"
                    + " permission; also an unusable key or a file that cannot be written",
            "2:usage error: unknown key type, missing or conflicting options, unreadable input file",
            "3:verification failed: the signed certificate does not hold the vault key, is not a CA, has expired,"
                    + " or its chain does not verify",
            "4:refused: the key or certificate already exists; add --new-version to rotate it"
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  VAULT=https://contoso.vault.azure.net",
            "",
            "  # a root CA with a new HSM-protected EC P-384 key; chain in secret 'internal-ca'",
            "  create-ca-cert --vault-url $VAULT --key-name internal-ca --create-key \\",
            "      --key-type ec-p384 --hsm --subject 'CN=Internal CA,O=Contoso' --out ca.pem",
            "",
            "  # a root CA with an existing key, named as cosign names it",
            "  create-ca-cert --key-uri azurekms://contoso.vault.azure.net/internal-ca \\",
            "      --subject 'CN=Internal CA'",
            "",
            "  # an intermediate CA: a CSR now, the signed chain imported later",
            "  create-ca-cert --vault-url $VAULT --key-name issuing-ca --create-key \\",
            "      --key-type rsa-3072 --subject 'CN=Issuing CA 1' --intermediate-csr ca.csr",
            "  create-ca-cert --vault-url $VAULT --key-name issuing-ca \\",
            "      --import-signed signed-chain.pem",
            "",
            "  # rotation: a new key version and a new root",
            "  create-ca-cert --vault-url $VAULT --key-name internal-ca --create-key \\",
            "      --new-version --key-type ec-p384 --subject 'CN=Internal CA G2'",
            "",
            "  # the key in a Managed HSM, the chain in a secret of an ordinary vault",
            "  create-ca-cert --vault-url https://contoso.managedhsm.azure.net \\",
            "      --key-name internal-ca --create-key --subject 'CN=Internal CA' \\",
            "      --secret-vault-url $VAULT",
            "",
            "  # a Key Vault certificate object, whose own key (made by the vault) signs",
            "  create-ca-cert --vault-url $VAULT --certificate-name internal-ca \\",
            "      --key-type rsa-4096 --subject 'CN=Internal CA'",
            "",
            "Authentication, as cosign's Azure KMS support: AZURE_TENANT_ID and AZURE_CLIENT_ID with"
                    + " AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH, or workload identity"
                    + " (AZURE_FEDERATED_TOKEN_FILE); else managed identity; else the Azure CLI (az login)."
                    + " AZURE_AUTH_METHOD=environment|cli (or --auth-method) forces one.",
            "Permissions: keys Get and Sign (and Create with --create-key), secrets Set; with --certificate-name"
                    + " certificates Get and Create. More in docs/create-ca-cert.md."
        })
public final class CreateCaCertCommand implements Callable<Integer> {

    public static final int EXIT_OK = 0;
    public static final int EXIT_VAULT = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_VERIFICATION = 3;
    public static final int EXIT_EXISTS = 4;

    static final String AZURE_AUTH_METHOD = "AZURE_AUTH_METHOD";
    static final String AZURE_TRUST_STORE = "AZURE_TRUST_STORE";
    static final String AZURE_TRUST_STORE_PASSWORD = "AZURE_TRUST_STORE_PASSWORD";
    static final String AZURE_DISABLE_CHALLENGE_RESOURCE_VERIFICATION = "AZURE_DISABLE_CHALLENGE_RESOURCE_VERIFICATION";
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    @Spec
    private CommandSpec spec;

    private final Map<String, String> environment;
    private final Clock clock;
    private final boolean ownsProcessLogging;

    /** Options naming the CA key. */
    static final class KeyOptions {
        @Option(
                names = "--vault-url",
                paramLabel = "URL",
                order = 1,
                description = "The vault or Managed HSM, e.g. https://contoso.vault.azure.net or"
                        + " https://contoso.managedhsm.azure.net.")
        String vaultUrl;

        @Option(
                names = "--key-name",
                paramLabel = "NAME",
                order = 2,
                description = "The CA key's name in that vault (letters, digits, dashes).")
        String keyName;

        @Option(
                names = "--key-version",
                paramLabel = "VERSION",
                order = 3,
                description = "Use this version of an existing key instead of its current one; the ClusterIssuer"
                        + " then pins it.")
        String keyVersion;

        @Option(
                names = "--key-uri",
                paramLabel = "URI",
                order = 4,
                description = "The key as cosign names it, instead of the three options above:"
                        + " azurekms://<vault-host>/<key-name>[/<key-version>].")
        String keyUri;

        @Option(
                names = "--create-key",
                order = 5,
                description = "Create the key (sign/verify only, not exportable, tagged as a CA key of this tool)."
                        + " Fails when it exists, unless --new-version.")
        boolean createKey;

        @Option(
                names = "--key-type",
                paramLabel = "TYPE",
                order = 6,
                description = "Type of a key to create: rsa-2048, rsa-3072, rsa-4096, ec-p256, ec-p384 or ec-p521"
                        + " (default: ec-p384).")
        String keyType;

        @Option(
                names = "--hsm",
                order = 7,
                description = "Create an HSM-protected key (RSA-HSM, EC-HSM; needs a Premium vault). Keys in a"
                        + " Managed HSM always are.")
        boolean hsm;

        @Option(
                names = "--new-version",
                order = 8,
                description = "With --create-key or --certificate-name: when the key or certificate exists, create"
                        + " a new version of it (rotation) instead of failing.")
        boolean newVersion;

        @Option(
                names = "--managed-hsm",
                order = 9,
                description = "Treat --vault-url as a Managed HSM (keys only) even though its host does not end in"
                        + " .managedhsm.azure.net, e.g. behind a private DNS name.")
        boolean managedHsm;
    }

    /** Options describing the CA certificate. */
    static final class CaOptions {
        @Option(
                names = "--subject",
                paramLabel = "DN",
                order = 10,
                description = "The CA's subject, RFC 4514: 'CN=Internal CA,O=Contoso,C=US'. Required unless"
                        + " --import-signed.")
        String subject;

        @Option(
                names = "--validity",
                paramLabel = "DURATION",
                order = 11,
                description = "How long a root is valid: 87600h, 3650d, P3650D ... (default: 87600h, 10 years).")
        String validity;

        @Option(
                names = "--path-length",
                paramLabel = "N",
                order = 12,
                description = "A root's pathLenConstraint: how many intermediate CAs may follow it (default: no"
                        + " limit; 0: it signs leaves only).")
        Integer pathLength;

        @Option(
                names = "--signature-algorithm",
                paramLabel = "ALG",
                order = 13,
                description = "RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or ES512 (default by key:"
                        + " RSA-2048 RS256, RSA-3072 RS384, RSA-4096 RS512, EC by curve); the ClusterIssuer uses it"
                        + " too.")
        String signatureAlgorithm;

        @Option(
                names = "--intermediate-csr",
                paramLabel = "FILE",
                order = 14,
                description = "Make an intermediate CA: write a CSR signed by the vault key to FILE ('-': standard"
                        + " output) for another CA to sign; nothing is stored in the vault.")
        Path intermediateCsr;

        @Option(
                names = "--import-signed",
                paramLabel = "FILE",
                order = 15,
                description = "Finish an intermediate CA: PEM with the certificate the other CA signed for the"
                        + " vault key and the certificates above it up to the root.")
        Path importSigned;

        @Option(
                names = "--certificate-name",
                paramLabel = "NAME",
                order = 16,
                description = "Keep the CA as a Key Vault certificate object (created with issuer Unknown, then"
                        + " merged). Its key is the CA key: the vault creates it, named like the certificate, with"
                        + " --key-type and --hsm. Not in a Managed HSM.")
        String certificateName;
    }

    /** Options saying where the result goes. */
    static final class PublishOptions {
        @Option(
                names = "--out",
                paramLabel = "FILE",
                order = 20,
                description = "Write the CA certificate (with its chain) as PEM to FILE instead of standard output;"
                        + " the ClusterIssuer then goes to standard output.")
        Path out;

        @Option(
                names = "--secret-name",
                paramLabel = "NAME",
                order = 21,
                description = "Store the PEM chain in this vault secret (default: the key's name, which an issuer"
                        + " finds with no caCertificate settings; with --certificate-name: no secret).")
        String secretName;

        @Option(
                names = "--secret-vault-url",
                paramLabel = "URL",
                order = 22,
                description = "The vault that holds that secret (default: the key's vault; required with a Managed"
                        + " HSM, which stores no secrets).")
        String secretVaultUrl;

        @Option(
                names = "--no-secret",
                order = 23,
                description = "Do not store the chain in a secret (keep it elsewhere and set caCertificate).")
        boolean noSecret;

        @Option(
                names = "--issuer-name",
                paramLabel = "NAME",
                order = 24,
                description = "metadata.name of the printed ClusterIssuer (default: the key's name in lower case).")
        String issuerName;

        @Option(
                names = "--issuer-out",
                paramLabel = "FILE",
                order = 25,
                description = "Write the ClusterIssuer YAML to FILE.")
        Path issuerOut;

        @Option(
                names = "--dry-run",
                order = 26,
                description = "Read the key and check the inputs, then show what would be created and written;"
                        + " write nothing, neither to the vault nor to files.")
        boolean dryRun;
    }

    /** Options for reaching Azure. */
    static final class AzureOptions {
        @Option(
                names = "--auth-method",
                paramLabel = "METHOD",
                order = 30,
                description =
                        "auto (default), environment, managed-identity or cli; default from" + " AZURE_AUTH_METHOD.")
        String authMethod;

        @Option(
                names = "--azure-authority-host",
                paramLabel = "URL",
                order = 31,
                description = "Entra ID's endpoint for sovereign clouds, e.g. https://login.microsoftonline.us"
                        + " (default: AZURE_AUTHORITY_HOST, else the public cloud).")
        URI authorityHost;

        @Option(
                names = "--azure-trust-store",
                paramLabel = "FILE",
                order = 32,
                description = "PKCS#12 trust store for the vault's and Entra ID's TLS certificates (default:"
                        + " AZURE_TRUST_STORE, else the JDK's). For a TLS-inspecting proxy or the local emulator.")
        Path trustStore;

        @Option(
                names = "--azure-trust-store-password",
                paramLabel = "PASSWORD",
                order = 33,
                description = "Its password (default: AZURE_TRUST_STORE_PASSWORD).")
        String trustStorePassword;

        @Option(
                names = "--azure-disable-challenge-resource-verification",
                order = 34,
                description = "TEST ONLY: accept a vault whose host is not under the resource its authentication"
                        + " challenge names (the local emulator on 127.0.0.1). Never against real vaults."
                        + " Default: AZURE_DISABLE_CHALLENGE_RESOURCE_VERIFICATION.")
        boolean disableChallengeResourceVerification;
    }

    @ArgGroup(validate = false, heading = "%nKey:%n", order = 1)
    KeyOptions key = new KeyOptions();

    @ArgGroup(validate = false, heading = "%nCA certificate:%n", order = 2)
    CaOptions ca = new CaOptions();

    @ArgGroup(validate = false, heading = "%nPublishing:%n", order = 3)
    PublishOptions publish = new PublishOptions();

    @ArgGroup(validate = false, heading = "%nAzure connection:%n", order = 4)
    AzureOptions azure = new AzureOptions();

    /** With the process environment and the system clock, as picocli instantiates subcommands. */
    public CreateCaCertCommand() {
        this(System.getenv(), Clock.systemUTC(), true);
    }

    /** With an explicit environment (the AZURE_* variables) and clock, for tests and embedding. */
    public CreateCaCertCommand(Map<String, String> environment, Clock clock) {
        this(environment, clock, false);
    }

    private CreateCaCertCommand(Map<String, String> environment, Clock clock, boolean ownsProcessLogging) {
        this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ownsProcessLogging = ownsProcessLogging;
    }

    @Override
    public Integer call() {
        // Only now: picocli builds every subcommand at start-up, also when the operator itself runs.
        if (ownsProcessLogging) {
            CreateCaLogging.toStandardError();
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        CaBootstrap bootstrap = null;
        try {
            CaBootstrapPlan plan = plan();
            KeyVaultAdministration vault = connect();
            bootstrap = new CaBootstrap(vault, clock, out, err);
            bootstrap.run(plan);
            return EXIT_OK;
        } catch (CaBootstrapException e) {
            return fail(
                    err,
                    bootstrap,
                    e.exitCode(),
                    e.getMessage() + (e.exitCode() == EXIT_USAGE ? " (see create-ca-cert --help)" : ""));
        } catch (VaultException e) {
            return fail(err, bootstrap, EXIT_VAULT, e.getMessage() + hint(e));
        } catch (CaCertificateException e) {
            return fail(
                    err, bootstrap, EXIT_VERIFICATION, "verification failed (" + e.reason() + "): " + e.getMessage());
        } catch (SignatureMismatchException e) {
            return fail(err, bootstrap, EXIT_VERIFICATION, "verification failed: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            return fail(err, bootstrap, EXIT_USAGE, e.getMessage() + " (see create-ca-cert --help)");
        } catch (UncheckedIOException e) {
            return fail(err, bootstrap, EXIT_VAULT, e.getMessage());
        }
    }

    private static int fail(PrintWriter err, CaBootstrap bootstrap, int code, String message) {
        err.println("create-ca-cert: " + message);
        if (bootstrap != null && !bootstrap.written().isEmpty()) {
            err.println("create-ca-cert: already written to the vault before the failure: "
                    + String.join("; ", bootstrap.written()));
            err.println("create-ca-cert: to finish without creating another key version, run again naming that"
                    + " version (--key-version) without --create-key");
        }
        err.flush();
        return code;
    }

    private static String hint(VaultException e) {
        return switch (e.kind()) {
            case UNAUTHENTICATED ->
                " (check the identity: --auth-method / AZURE_AUTH_METHOD, the AZURE_TENANT_ID,"
                        + " AZURE_CLIENT_ID, AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH variables, or az login)";
            case FORBIDDEN -> "";
            case NOT_FOUND -> " (check the vault URL and the names)";
            // A Retry-After the vault sent wins over our guess: the message quotes it, the hint must agree.
            case THROTTLED ->
                e.retryAfter()
                        .filter(d -> d.compareTo(Duration.ofMinutes(1)) > 0)
                        .map(d -> " (the vault is busy: try again in " + ((d.toMillis() + 999) / 1000)
                                + " seconds, as it asks)")
                        .orElse(" (the vault is busy: try again in a minute)");
            case UNAVAILABLE -> " (check the vault URL, DNS, the network path and the vault's firewall)";
            case INVALID -> "";
        };
    }

    // ------------------------------------------------------------------ command line -> plan

    CaBootstrapPlan plan() {
        KeyOptions k = key == null ? new KeyOptions() : key;
        CaOptions c = ca == null ? new CaOptions() : ca;
        PublishOptions p = publish == null ? new PublishOptions() : publish;

        CaBootstrapPlan.Mode mode = mode(c);
        boolean importing = mode instanceof CaBootstrapPlan.Mode.ImportSigned;
        KeyTarget target = keyTarget(k, c);
        KeyReference keyRef = target.key();
        boolean managedHsm = k.managedHsm || keyRef.isManagedHsm();
        if (managedHsm && target.certificate().isPresent()) {
            throw CaBootstrapException.usage("a Managed HSM has no certificate objects: drop --certificate-name and"
                    + " keep the chain in a secret of an ordinary vault (--secret-vault-url)");
        }
        Optional<CaBootstrapPlan.NewKey> newKey = newKey(k, importing, target, managedHsm);
        Optional<String> subject =
                Optional.ofNullable(c.subject).map(String::trim).filter(s -> !s.isEmpty());
        checkCertificateOptions(c, p, mode, subject);
        Duration validity = validity(c);
        if (c.pathLength != null && c.pathLength < 0) {
            throw CaBootstrapException.usage("--path-length must be 0 or more");
        }
        Optional<SignatureAlgorithm> algorithm = signatureAlgorithm(c);
        Optional<SecretReference> secret = chainSecret(p, mode, target, managedHsm);
        String issuerName = issuerName(p, keyRef);
        return new CaBootstrapPlan(
                keyRef,
                target.keyUriForm(),
                managedHsm,
                newKey,
                target.certificate(),
                mode,
                subject,
                validity,
                c.pathLength == null ? OptionalInt.empty() : OptionalInt.of(c.pathLength),
                algorithm,
                Optional.ofNullable(p.out),
                secret,
                issuerName,
                Optional.ofNullable(p.issuerOut),
                p.dryRun);
    }

    /** The CA key as the options name it, and the Key Vault certificate object it belongs to, if any. */
    private record KeyTarget(KeyReference key, boolean keyUriForm, Optional<CertificateReference> certificate) {}

    /** A root, the CSR step of an intermediate, or the import of the signed intermediate. */
    private static CaBootstrapPlan.Mode mode(CaOptions c) {
        if (c.intermediateCsr != null && c.importSigned != null) {
            throw CaBootstrapException.usage(
                    "--intermediate-csr and --import-signed are two separate steps:" + " give one of them");
        }
        return c.intermediateCsr != null
                ? new CaBootstrapPlan.Mode.IntermediateCsr(c.intermediateCsr)
                : c.importSigned != null
                        ? new CaBootstrapPlan.Mode.ImportSigned(c.importSigned)
                        : new CaBootstrapPlan.Mode.Root();
    }

    /** The key: by certificate object, by --key-uri, or by --vault-url and --key-name; one form only. */
    private static KeyTarget keyTarget(KeyOptions k, CaOptions c) {
        boolean keyUriForm = notBlank(k.keyUri);
        if (notBlank(c.certificateName)) {
            if (keyUriForm || !notBlank(k.vaultUrl)) {
                throw CaBootstrapException.usage("--certificate-name needs --vault-url (and no --key-uri): the"
                        + " certificate object's key is the vault's, named like the certificate");
            }
            if (notBlank(k.keyName) && !k.keyName.equals(c.certificateName)) {
                throw CaBootstrapException.usage("the key of certificate '" + c.certificateName + "' is named '"
                        + c.certificateName + "' by the vault: drop --key-name " + k.keyName);
            }
            if (notBlank(k.keyVersion)) {
                throw CaBootstrapException.usage("--key-version does not apply to a certificate object, whose"
                        + " current version holds the CA");
            }
            return new KeyTarget(
                    KeyReference.of(k.vaultUrl, c.certificateName, null),
                    false,
                    Optional.of(CertificateReference.of(k.vaultUrl, c.certificateName)));
        }
        if (keyUriForm) {
            if (notBlank(k.vaultUrl) || notBlank(k.keyName) || notBlank(k.keyVersion)) {
                throw CaBootstrapException.usage("name the key either by --key-uri or by --vault-url and --key-name"
                        + " [--key-version], not both");
            }
            return new KeyTarget(KeyReference.parseAzureKms(k.keyUri), true, Optional.empty());
        }
        if (!notBlank(k.vaultUrl) || !notBlank(k.keyName)) {
            throw CaBootstrapException.usage("name the CA key: --vault-url URL --key-name NAME, or --key-uri"
                    + " azurekms://<vault-host>/<key-name>");
        }
        return new KeyTarget(KeyReference.of(k.vaultUrl, k.keyName, k.keyVersion), false, Optional.empty());
    }

    /** Whether this run creates the key (or a new version), and what kind; the key options apply to that only. */
    private static Optional<CaBootstrapPlan.NewKey> newKey(
            KeyOptions k, boolean importing, KeyTarget target, boolean managedHsm) {
        boolean creates = k.createKey || (target.certificate().isPresent() && !importing);
        if (!creates) {
            if (k.keyType != null) {
                throw CaBootstrapException.usage("--key-type applies to a key this command creates: add --create-key,"
                        + " or drop --key-type to use the existing key");
            }
            if (k.hsm) {
                throw CaBootstrapException.usage("--hsm applies to a key this command creates: add --create-key");
            }
            if (k.newVersion) {
                throw CaBootstrapException.usage("--new-version applies with --create-key (or --certificate-name):"
                        + " it creates a new version of the key");
            }
            return Optional.empty();
        }
        if (importing) {
            throw CaBootstrapException.usage(
                    "--import-signed imports a certificate for the key the CSR was made" + " with: drop --create-key");
        }
        if (target.key().version().isPresent()) {
            throw CaBootstrapException.usage(
                    "--create-key makes a new key version: drop the version from the key" + " reference");
        }
        CaKeyType type = CaKeyType.EC_P384;
        if (k.keyType != null) {
            try {
                type = CaKeyType.parse(k.keyType);
            } catch (IllegalArgumentException e) {
                throw CaBootstrapException.usage("--key-type: " + e.getMessage());
            }
        }
        return Optional.of(new CaBootstrapPlan.NewKey(type, k.hsm || managedHsm, k.newVersion));
    }

    /** Which certificate options each step takes: an import and a CSR step take theirs from elsewhere. */
    private static void checkCertificateOptions(
            CaOptions c, PublishOptions p, CaBootstrapPlan.Mode mode, Optional<String> subject) {
        if (mode instanceof CaBootstrapPlan.Mode.ImportSigned) {
            if (subject.isPresent() || c.validity != null || c.pathLength != null) {
                throw CaBootstrapException.usage("--import-signed takes the subject, validity and path length from"
                        + " the signed certificate: drop --subject, --validity and --path-length");
            }
        } else if (subject.isEmpty()) {
            throw CaBootstrapException.usage("--subject is required, e.g. --subject 'CN=Internal CA,O=Contoso'");
        }
        if (mode instanceof CaBootstrapPlan.Mode.IntermediateCsr && (p.out != null || p.issuerOut != null)) {
            throw CaBootstrapException.usage("a CSR step makes no certificate and no issuer yet: the CSR goes to"
                    + " --intermediate-csr FILE; give --out and --issuer-out with --import-signed");
        }
        if (mode instanceof CaBootstrapPlan.Mode.IntermediateCsr && (c.validity != null || c.pathLength != null)) {
            throw CaBootstrapException.usage("the CA that signs the CSR decides the validity and path length of an"
                    + " intermediate: drop --validity and --path-length");
        }
    }

    private static Duration validity(CaOptions c) {
        if (c.validity == null) {
            return CaBootstrapPlan.DEFAULT_VALIDITY;
        }
        try {
            return CreateCaDurations.parse(c.validity);
        } catch (IllegalArgumentException e) {
            throw CaBootstrapException.usage(e.getMessage());
        }
    }

    private static Optional<SignatureAlgorithm> signatureAlgorithm(CaOptions c) {
        try {
            return SignatureAlgorithm.parse(c.signatureAlgorithm);
        } catch (IllegalArgumentException e) {
            throw CaBootstrapException.usage("--signature-algorithm: " + e.getMessage());
        }
    }

    /** The vault secret the chain goes to: by default named like the key, in its vault (never a Managed HSM). */
    private static Optional<SecretReference> chainSecret(
            PublishOptions p, CaBootstrapPlan.Mode mode, KeyTarget target, boolean managedHsm) {
        if (p.noSecret && (notBlank(p.secretName) || notBlank(p.secretVaultUrl))) {
            throw CaBootstrapException.usage("--no-secret contradicts --secret-name and --secret-vault-url");
        }
        boolean wantsSecret =
                !p.noSecret && (target.certificate().isEmpty() || notBlank(p.secretName) || notBlank(p.secretVaultUrl));
        if (!wantsSecret || mode instanceof CaBootstrapPlan.Mode.IntermediateCsr) {
            return Optional.empty();
        }
        KeyReference keyRef = target.key();
        URI secretVault = notBlank(p.secretVaultUrl)
                ? KeyReference.of(p.secretVaultUrl, keyRef.name(), null).vaultUrl()
                : keyRef.vaultUrl();
        if (managedHsm && secretVault.equals(keyRef.vaultUrl())) {
            throw CaBootstrapException.usage("a Managed HSM stores keys only: give --secret-vault-url"
                    + " https://<vault>.vault.azure.net for the CA chain, or --no-secret and keep it elsewhere");
        }
        return Optional.of(new SecretReference(
                secretVault, notBlank(p.secretName) ? p.secretName.trim() : keyRef.name(), Optional.empty()));
    }

    private static String issuerName(PublishOptions p, KeyReference keyRef) {
        String issuerName =
                notBlank(p.issuerName) ? p.issuerName.trim() : keyRef.name().toLowerCase(Locale.ROOT);
        if (issuerName.length() > 253 || !DNS_SUBDOMAIN.matcher(issuerName).matches()) {
            throw CaBootstrapException.usage("--issuer-name \"" + issuerName + "\" is not a Kubernetes name"
                    + " (lower-case letters, digits, '-' and '.')");
        }
        return issuerName;
    }

    // ------------------------------------------------------------------ Azure

    private KeyVaultAdministration connect() {
        return connect(azure == null ? new AzureOptions() : azure, environment);
    }

    /** Connects as the Azure options and AZURE_* variables say; shared with {@code revoke}. */
    static KeyVaultAdministration connect(AzureOptions a, Map<String, String> environment) {
        ToolCredentials method;
        try {
            method = ToolCredentials.parse(a.authMethod != null ? a.authMethod : environment.get(AZURE_AUTH_METHOD));
        } catch (IllegalArgumentException e) {
            throw CaBootstrapException.usage(
                    (a.authMethod != null ? "--auth-method: " : AZURE_AUTH_METHOD + ": ") + e.getMessage());
        }
        // The same settings, environment variables and trust-store loading as the run command.
        Optional<Path> trustStore = Optional.ofNullable(a.trustStore)
                .or(() -> env(environment, AZURE_TRUST_STORE).map(Path::of));
        Optional<String> password =
                Optional.ofNullable(a.trustStorePassword).or(() -> env(environment, AZURE_TRUST_STORE_PASSWORD));
        boolean disableChallengeCheck = a.disableChallengeResourceVerification
                || env(environment, AZURE_DISABLE_CHALLENGE_RESOURCE_VERIFICATION)
                        .map(Boolean::parseBoolean)
                        .orElse(false);
        AzureClientOptions options;
        try {
            options = AzureWiring.clientOptions(
                    Optional.ofNullable(a.authorityHost), trustStore, password, disableChallengeCheck);
        } catch (IllegalArgumentException e) {
            throw CaBootstrapException.usage("--azure-trust-store: " + e.getMessage());
        }
        return AzureKeyVaultAdministration.connect(options, method, environment);
    }

    private static Optional<String> env(Map<String, String> environment, String name) {
        return Optional.ofNullable(environment.get(name)).map(String::trim).filter(v -> !v.isEmpty());
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }

    /** The exit codes, for the documentation test. */
    static List<Integer> exitCodes() {
        return List.of(EXIT_OK, EXIT_VAULT, EXIT_USAGE, EXIT_VERIFICATION, EXIT_EXISTS);
    }
}
