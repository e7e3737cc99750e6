package dev.azurekeyvaultissuer.emulator;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the emulator standalone until interrupted. */
@Command(
        name = "keyvault-emulator",
        mixinStandardHelpOptions = true,
        version = "keyvault-emulator 0.1 (test tool)",
        sortOptions = false,
        header = {"A local Azure Key Vault + Entra ID over HTTPS.", "A TEST AND DEMO TOOL: NEVER RUN IT IN PRODUCTION."
        },
        description = {
            "Serves Azure Key Vault's data-plane REST API (keys, secrets, certificates; Managed HSM: keys only) on",
            "https://127.0.0.1:PORT, one port per vault, and an Entra ID token endpoint (client secret, client",
            "certificate, federated credentials, managed identity) as authority host. Keys are software keys held in",
            "this process (and in clear in the optional state file). Clients need the trust store it writes, and",
            "authorityHost(...), disableInstanceDiscovery() and disableChallengeResourceVerification() in the Azure SDK.",
            ""
        },
        footer = {
            "",
            "Writes <tls-dir>/emulator.json with every URL, the tenant, trust store, admin token and client env."
        })
public final class EmulatorMain implements Callable<Integer> {
    @Option(names = "--vault", paramLabel = "NAME", description = "A vault to serve (repeatable).")
    List<String> vaults = new ArrayList<>();

    @Option(
            names = "--managed-hsm",
            paramLabel = "NAME",
            description = "A Managed HSM to serve: keys only (repeatable).")
    List<String> managedHsms = new ArrayList<>();

    @Option(
            names = "--client",
            paramLabel = "ID:SECRET[:PERMS]",
            description = {
                "A client-secret application (repeatable). PERMS: all (default), none, or",
                "keys=get,list,create,update,delete,sign,verify;secrets=get,list,set,delete;certificates=get,list,create,update,delete"
            })
    List<String> clients = new ArrayList<>();

    @Option(
            names = "--managed-identity",
            paramLabel = "ID[:PERMS]",
            description = "A managed identity (repeatable); the first one answers requests that name no identity.")
    List<String> managedIdentities = new ArrayList<>();

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "JSON config: vaults, clients with secrets, certificates, federations, permissions, faults.")
    Path config;

    @Option(
            names = "--state-file",
            paramLabel = "FILE",
            description =
                    "Load vault contents from FILE at start and save them after each change (holds private keys!).")
    Path stateFile;

    @Option(
            names = "--tls-dir",
            paramLabel = "DIR",
            defaultValue = "keyvault-emulator-tls",
            description =
                    "Where the certificate PEM, trust store, keys and emulator.json go (default: ${DEFAULT-VALUE}).")
    Path tlsDir;

    @Option(
            names = "--port-base",
            paramLabel = "PORT",
            defaultValue = "0",
            description = "0: free ports. Else authority on PORT, vaults on PORT+1, PORT+2 ... in order given.")
    int portBase;

    @Option(
            names = "--bind-address",
            paramLabel = "ADDRESS",
            defaultValue = "127.0.0.1",
            description =
                    "Address to listen on, also the host of the URLs (default: ${DEFAULT-VALUE}). Only an address of a"
                            + " network namespace the test made itself.")
    String bindAddress;

    @Option(
            names = "--vault-dns-suffix",
            paramLabel = "SUFFIX",
            description =
                    "Vault URLs https://NAME.SUFFIX[:PORT] (e.g. vault.azure.net; port 443 is left out), named in the"
                            + " TLS certificate; the test's own DNS must resolve them to the bind address.")
    String vaultDnsSuffix;

    @Option(
            names = "--tenant-id",
            paramLabel = "UUID",
            description = "Tenant id (default " + KeyVaultEmulator.DEFAULT_TENANT_ID + ").")
    String tenantId;

    @Option(
            names = "--token-lifetime",
            paramLabel = "DURATION",
            description = "Access token lifetime, e.g. 3600s, 5m, 1h (default 1h).")
    String tokenLifetime;

    @Option(
            names = "--identity-header",
            paramLabel = "SECRET",
            description = "IDENTITY_HEADER of the managed-identity endpoint (default random).")
    String identityHeader;

    @Option(
            names = "--admin-token",
            paramLabel = "TOKEN",
            description = "Bearer token of the admin endpoint (default random).")
    String adminToken;

    @Option(
            names = "--latency",
            paramLabel = "[OP=]MS[:JITTER_MS]",
            description = "Added latency, for OP or every operation (repeatable).")
    List<String> latency = new ArrayList<>();

    @Option(
            names = "--error-rate",
            paramLabel = "[OP=]RATE[:STATUS]",
            description = "Fraction of calls answered 500/503 (default 503).")
    List<String> errorRates = new ArrayList<>();

    @Option(
            names = "--reset-rate",
            paramLabel = "[OP=]RATE",
            description = "Fraction of calls whose connection is dropped.")
    List<String> resetRates = new ArrayList<>();

    @Option(
            names = "--fail-next",
            paramLabel = "[OP=]COUNT[:STATUS]",
            description =
                    "The next COUNT calls (of OP, or any) answer STATUS (default 503), then no more (repeatable).")
    List<String> failNext = new ArrayList<>();

    @Option(
            names = "--throttle-next",
            paramLabel = "[OP=]COUNT",
            description = "The next COUNT calls (of OP, or any) answer 429 Throttled, then no more (repeatable).")
    List<String> throttleNext = new ArrayList<>();

    @Option(names = "--throttle", description = "Throttle with Azure's published limits per vault per 10 s.")
    boolean throttle;

    @Option(
            names = "--throttle-scale",
            paramLabel = "FACTOR",
            description = "Multiply the throttle limits (implies --throttle).")
    Double throttleScale;

    @Option(
            names = "--retry-after",
            paramLabel = "SECONDS",
            description = "Send Retry-After on 429 (default: no header, as Key Vault often does).")
    Long retryAfter;

    public static void main(String[] args) {
        int code = new CommandLine(new EmulatorMain()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    @Override
    public Integer call() throws Exception {
        KeyVaultEmulator emulator = startWithBanner(System.out);
        CountDownLatch stop = new CountDownLatch(1);
        // Before the summary: whoever waits for "ready." may stop us with SIGTERM and gets the state file saved.
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            emulator.close();
                            stop.countDown();
                        },
                        "keyvault-emulator-shutdown"));
        printSummary(emulator, System.out);
        stop.await();
        return 0;
    }

    /**
     * What {@link #main} does up to the "ready." line, without waiting or a shutdown hook: parses the arguments,
     * starts the emulator and prints the banner and summary to out. For tests; the caller closes the emulator.
     */
    static KeyVaultEmulator start(PrintStream out, String... args) {
        EmulatorMain main = new EmulatorMain();
        new CommandLine(main).parseArgs(args);
        KeyVaultEmulator emulator = main.startWithBanner(out);
        printSummary(emulator, out);
        return emulator;
    }

    private KeyVaultEmulator startWithBanner(PrintStream out) {
        KeyVaultEmulator.Builder b = builder();
        out.println(banner());
        return b.build().start();
    }

    /** The emulator the options describe, not yet started. */
    KeyVaultEmulator.Builder builder() {
        KeyVaultEmulator.Builder b = KeyVaultEmulator.builder();
        if (config != null) {
            ConfigFile.apply(config, b);
        }
        vaults.forEach(b::vault);
        managedHsms.forEach(b::managedHsm);
        for (String c : clients) {
            String[] p = c.split(":", 3);
            if (p.length < 2) {
                throw new CommandLine.ParameterException(
                        new CommandLine(this), "--client needs ID:SECRET[:PERMS]: " + c);
            }
            b.client(ClientConfig.builder(p[0])
                    .secret(p[1])
                    .permissions(p.length > 2 ? Permissions.parse(p[2]) : Permissions.all())
                    .build());
        }
        for (String m : managedIdentities) {
            String[] p = m.split(":", 2);
            b.client(ClientConfig.builder(p[0])
                    .managedIdentity()
                    .permissions(p.length > 1 ? Permissions.parse(p[1]) : Permissions.all())
                    .build());
        }
        if (stateFile != null) {
            b.stateFile(stateFile);
        }
        b.tlsDir(tlsDir);
        b.bindAddress(bindAddress);
        if (vaultDnsSuffix != null) {
            b.vaultDnsSuffix(vaultDnsSuffix);
        }
        if (portBase != 0) {
            b.portBase(portBase);
        }
        if (tenantId != null) {
            b.tenantId(tenantId);
        }
        if (tokenLifetime != null) {
            b.tokenLifetime(duration(tokenLifetime));
        }
        if (identityHeader != null) {
            b.managedIdentityHeader(identityHeader);
        }
        if (adminToken != null) {
            b.adminToken(adminToken);
        }
        String faults = faultsJson();
        if (faults != null) {
            b.faults(faults);
        }
        return b;
    }

    static String banner() {
        String line = "=".repeat(100);
        return line + "\n  " + KeyVaultEmulator.BANNER.replace(". ", ".\n  ") + "\n" + line;
    }

    /** The start-up summary: every URL, the trust store and each client's settings; ends with "ready.". */
    static void printSummary(KeyVaultEmulator e, PrintStream out) {
        String trustStore = e.trustStorePath().toAbsolutePath().toString();
        out.println("tenant id:          " + e.tenantId());
        out.println("authority host:     " + e.authorityHost());
        out.println("token endpoint:     " + e.tokenEndpoint());
        for (String v : e.vaultNames()) {
            out.printf("%-19s %s%n", (e.isManagedHsm(v) ? "managed HSM " : "vault ") + v + ":", e.vaultUrl(v));
        }
        out.println("trust store:        " + trustStore + " (PKCS12, password " + e.trustStorePassword() + ")");
        out.println("certificate (PEM):  " + e.certificatePemPath().toAbsolutePath());
        out.println("managed identity:   IDENTITY_ENDPOINT=" + e.managedIdentityEndpoint() + " IDENTITY_HEADER="
                + e.managedIdentityHeader() + "  (or AZURE_POD_IDENTITY_AUTHORITY_HOST=" + e.authorityHost() + ")");
        out.println("admin endpoint:     " + e.adminUrl() + " (Authorization: Bearer " + e.adminToken() + ")");
        for (ClientConfig c : e.directory().clients()) {
            StringBuilder env = new StringBuilder("AZURE_TENANT_ID=" + e.tenantId() + " AZURE_CLIENT_ID=" + c.clientId()
                    + " AZURE_AUTHORITY_HOST=" + e.authorityHost());
            if (c.secret() != null) {
                env.append(" AZURE_CLIENT_SECRET=").append(c.secret());
            }
            out.println("client " + c.clientId() + (c.managedIdentity() ? " (managed identity)" : "") + ": "
                    + c.permissions() + "\n    env: " + env);
        }
        // Vault URLs named like Azure's (--vault-dns-suffix) pass the SDK's challenge resource check as they are.
        boolean azureNames = e.vaultDnsSuffix().isPresent();
        out.println("SDK clients also need: disableInstanceDiscovery() on credentials,"
                + (azureNames ? "" : " disableChallengeResourceVerification() on Key Vault clients,")
                + " and the trust store.");
        // The same four settings as flags of azure-keyvault-issuer's `run` and `create-ca-cert` (hack/demo.sh).
        out.println("azure-keyvault-issuer run / create-ca-cert flags: --azure-authority-host " + e.authorityHost()
                + " --azure-trust-store " + trustStore + " --azure-trust-store-password " + e.trustStorePassword()
                + (azureNames ? "" : " --azure-disable-challenge-resource-verification"));
        out.println("details:            " + e.tlsDir().resolve("emulator.json").toAbsolutePath());
        out.println("ready.");
        out.flush();
    }

    /** The fault flags as one {@link Faults#apply(String)} document for every vault, or null when none is given. */
    String faultsJson() {
        try {
            return faultsJsonOrThrow();
        } catch (NumberFormatException e) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this), "a fault option has a bad number: " + e.getMessage());
        }
    }

    private String faultsJsonOrThrow() {
        var root = Json.object();
        boolean any = false;
        for (String l : latency) {
            String[] opv = opValue(l);
            String[] v = opv[1].split(":");
            root.with("latency")
                    .putObject(opv[0])
                    .put("baseMs", Long.parseLong(v[0]))
                    .put("jitterMs", v.length > 1 ? Long.parseLong(v[1]) : 0);
            any = true;
        }
        for (String r : errorRates) {
            String[] opv = opValue(r);
            String[] v = opv[1].split(":");
            root.with("errors")
                    .putObject(opv[0])
                    .put("rate", Double.parseDouble(v[0]))
                    .put("status", v.length > 1 ? Integer.parseInt(v[1]) : 503);
            any = true;
        }
        for (String r : resetRates) {
            String[] opv = opValue(r);
            root.with("resets").put(opv[0], Double.parseDouble(opv[1]));
            any = true;
        }
        for (String f : failNext) {
            String[] opv = opValue(f);
            String[] v = opv[1].split(":");
            root.with("failNext")
                    .putObject(opv[0])
                    .put("count", Integer.parseInt(v[0]))
                    .put("status", v.length > 1 ? Integer.parseInt(v[1]) : 503);
            any = true;
        }
        for (String t : throttleNext) {
            String[] opv = opValue(t);
            root.with("throttleNext").put(opv[0], Integer.parseInt(opv[1]));
            any = true;
        }
        if (throttle || throttleScale != null) {
            var t = root.putObject("throttling");
            t.put("enabled", true);
            if (throttleScale != null) {
                t.put("scale", throttleScale);
            }
            any = true;
        }
        if (retryAfter != null) {
            // Top level, not in "throttling": --retry-after alone must not turn a config file's throttling off.
            root.put("retryAfterSeconds", retryAfter);
            any = true;
        }
        return any ? root.toString() : null;
    }

    private static String[] opValue(String s) {
        int eq = s.indexOf('=');
        return eq < 0 ? new String[] {Faults.ANY, s} : new String[] {s.substring(0, eq), s.substring(eq + 1)};
    }

    static Duration duration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("p")) {
            return Duration.parse(t.toUpperCase(Locale.ROOT));
        }
        long n = Long.parseLong(t.replaceAll("[^0-9]", ""));
        if (t.endsWith("ms")) {
            return Duration.ofMillis(n);
        }
        if (t.endsWith("m")) {
            return Duration.ofMinutes(n);
        }
        if (t.endsWith("h")) {
            return Duration.ofHours(n);
        }
        return Duration.ofSeconds(n);
    }
}
