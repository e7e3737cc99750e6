package dev.azurekeyvaultissuer.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;

/**
 * A local Azure Key Vault (and Managed HSM) plus Entra ID token endpoint over HTTPS, for tests and demos. NOT FOR
 * PRODUCTION: keys are software keys in this process's memory (and in the optional state file), tokens are signed by a
 * throwaway key, and anyone on 127.0.0.1 who holds a configured client secret gets in.
 *
 * <p>Each vault listens on its own port of 127.0.0.1 (the Azure SDK caches the auth challenge per host:port); the
 * Entra ID authority (token endpoint, managed-identity endpoints, admin endpoint) on another. All share one self-signed
 * TLS certificate, available as {@link #sslContext()}, {@link #trustStorePath()} (PKCS12, password
 * {@value #TRUST_STORE_PASSWORD}) and {@link #certificatePemPath()}.
 *
 * <pre>{@code
 * try (KeyVaultEmulator kv = KeyVaultEmulator.builder().vault("demo")
 *         .client(ClientConfig.withSecret("app", "s3cret")).build().start()) {
 *     String kid = kv.createKey("demo", "ca", KeyType.EC_P256);
 *     // SDK clients: vaultUrl(kv.vaultUrl("demo")), credentials with authorityHost(kv.authorityHost()),
 *     // tenantId(kv.tenantId()), disableInstanceDiscovery(); key/secret clients disableChallengeResourceVerification().
 * }
 * }</pre>
 */
public final class KeyVaultEmulator implements AutoCloseable {
    /** The tenant every emulator uses unless told otherwise (fixed, so cached SDK challenges stay valid). */
    public static final String DEFAULT_TENANT_ID = "7e57e57e-0000-4000-8000-00000000e001";

    public static final String TRUST_STORE_PASSWORD = TlsMaterial.TRUST_STORE_PASSWORD;
    public static final String BANNER =
            "keyvault-emulator: a TEST AND DEMO tool emulating Azure Key Vault and Entra ID."
                    + " NOT FOR PRODUCTION: keys are software keys in this process (and in the state file), anyone holding a"
                    + " configured client secret gets in.";
    private static final String LOOPBACK = "127.0.0.1";

    private final Builder config;
    private final Clock clock;
    private final Map<String, VaultState> vaults = new LinkedHashMap<>();
    private final Map<String, VaultHandler> handlers = new LinkedHashMap<>();
    private final List<HttpsServer> servers = new ArrayList<>();
    private Directory directory;
    private TokenService tokens;
    private TlsMaterial tls;
    private Path tlsDir;
    private boolean ownsTlsDir;
    private StateFile stateFile;
    private ExecutorService executor;
    private String authority;
    private String identityHeader;
    private String adminToken;
    private volatile boolean started;

    private KeyVaultEmulator(Builder config) {
        this.config = config;
        this.clock = config.clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Generates or loads the TLS material, binds every port, loads the state file. Returns this. */
    public synchronized KeyVaultEmulator start() {
        if (started) {
            return this;
        }
        try {
            tlsDir = config.tlsDir != null ? config.tlsDir : Files.createTempDirectory("keyvault-emulator-");
            ownsTlsDir = config.tlsDir == null;
            tls = TlsMaterial.loadOrCreate(tlsDir, subjectAltNames());
            directory = new Directory(config.tenantId);
            config.clients.values().forEach(directory::register);
            tokens = new TokenService(
                    config.tenantId, tls.tokenSigningKey(), tls.tokenSigningCertificate(), config.tokenLifetime, clock);
            identityHeader = config.identityHeader != null ? config.identityHeader : randomHex(16);
            adminToken = config.adminToken != null ? config.adminToken : randomHex(16);
            AtomicInteger threads = new AtomicInteger();
            executor = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "keyvault-emulator-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            SSLContext serverContext = tls.serverContext();

            EntraIdApi entra = new EntraIdApi(
                    directory, tokens, new ClientAuthenticator(directory, clock), identityHeader, new AdminApi(this));
            HttpsServer authorityServer = server(serverContext, port(0));
            authorityServer.createContext("/", entra);
            authority = "https://" + config.bindAddress + ":"
                    + authorityServer.getAddress().getPort();
            entra.setAuthority(authority);

            int index = 1;
            for (Map.Entry<String, Boolean> v : config.vaults.entrySet()) {
                VaultState state = new VaultState(v.getKey(), v.getValue());
                HttpsServer server = server(serverContext, port(index++));
                VaultHandler handler = new VaultHandler(state, tokens, directory, authority, clock, this::stateChanged);
                server.createContext("/", handler);
                state.setBaseUrl(baseUrl(v.getKey(), server.getAddress().getPort()));
                for (String faults : config.initialFaults) {
                    state.faults.apply(Json.parse(faults));
                }
                for (String faults : config.vaultFaults.getOrDefault(v.getKey(), List.of())) {
                    state.faults.apply(Json.parse(faults));
                }
                vaults.put(v.getKey(), state);
                handlers.put(v.getKey(), handler);
            }
            config.vaultPermissions.forEach((vault, perClient) ->
                    perClient.forEach((client, perms) -> directory.setPermissions(vault, client, perms)));
            if (config.stateFile != null) {
                stateFile = new StateFile(config.stateFile);
                stateFile.load(vaults);
            }
            servers.forEach(HttpsServer::start);
            started = true;
            writeInfo();
            return this;
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("keyvault-emulator could not start", e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * https://ADDRESS:PORT, or with a vault DNS suffix https://NAME.SUFFIX[:PORT] (no port when it is 443), the form
     * a real vault's URL has; the name must then resolve to the bind address (a test's own DNS).
     */
    private String baseUrl(String vault, int port) {
        if (config.vaultDnsSuffix == null) {
            return "https://" + config.bindAddress + ":" + port;
        }
        return "https://" + vault + "." + config.vaultDnsSuffix + (port == 443 ? "" : ":" + port);
    }

    /** The TLS certificate's names: loopback and localhost, the bind address, each vault's DNS name. */
    private List<String> subjectAltNames() {
        List<String> names = new ArrayList<>(List.of(LOOPBACK, "localhost"));
        if (!names.contains(config.bindAddress)) {
            names.add(config.bindAddress);
        }
        if (config.vaultDnsSuffix != null) {
            config.vaults.keySet().forEach(v -> names.add(v + "." + config.vaultDnsSuffix));
        }
        return names;
    }

    private int port(int index) {
        return config.portBase == 0 ? 0 : config.portBase + index;
    }

    private HttpsServer server(SSLContext ctx, int port) throws IOException {
        HttpsServer server =
                HttpsServer.create(new InetSocketAddress(InetAddress.getByName(config.bindAddress), port), 64);
        server.setHttpsConfigurator(new HttpsConfigurator(ctx));
        server.setExecutor(executor);
        servers.add(server);
        return server;
    }

    /** Stops every server, saves the state file, removes the temporary TLS directory if one was made. */
    @Override
    public synchronized void close() {
        for (HttpsServer s : servers) {
            try {
                s.stop(0);
            } catch (RuntimeException ignored) {
                // already stopped
            }
        }
        servers.clear();
        if (executor != null) {
            executor.shutdownNow();
        }
        if (started && stateFile != null) {
            stateFile.save(vaults.values());
        }
        started = false;
        if (ownsTlsDir && tlsDir != null) {
            try (Stream<Path> files = Files.walk(tlsDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    private void stateChanged() {
        if (stateFile != null) {
            stateFile.save(vaults.values());
        }
    }

    /** Writes the state file now (it is also written after every change and on close). */
    public void saveState() {
        stateChanged();
    }

    // ---------------------------------------------------------------- endpoints and trust

    /** https://127.0.0.1:PORT of the vault or Managed HSM (no trailing slash). */
    public String vaultUrl(String vault) {
        return vault(vault).baseUrl();
    }

    /** The suffix of vault URLs named like Azure's (https://NAME.SUFFIX), when configured. */
    public java.util.Optional<String> vaultDnsSuffix() {
        return java.util.Optional.ofNullable(config.vaultDnsSuffix);
    }

    public List<String> vaultNames() {
        return new ArrayList<>(vaults.keySet());
    }

    public boolean isManagedHsm(String vault) {
        return vault(vault).managedHsm();
    }

    /** The authority host for azure-identity credentials: https://127.0.0.1:PORT. */
    public String authorityHost() {
        requireStarted();
        return authority;
    }

    public String tenantId() {
        return config.tenantId;
    }

    /** https://127.0.0.1:PORT/TENANT/oauth2/v2.0/token. */
    public String tokenEndpoint() {
        return authorityHost() + "/" + tenantId() + "/oauth2/v2.0/token";
    }

    /** App Service style managed-identity endpoint: set IDENTITY_ENDPOINT to this and IDENTITY_HEADER to the header. */
    public String managedIdentityEndpoint() {
        return authorityHost() + "/msi/token";
    }

    public String managedIdentityHeader() {
        requireStarted();
        return identityHeader;
    }

    /** Admin endpoint base URL; requests need "Authorization: Bearer " + {@link #adminToken()}. */
    public String adminUrl() {
        return authorityHost() + "/admin";
    }

    public String adminToken() {
        requireStarted();
        return adminToken;
    }

    /** An SSLContext trusting the emulator's certificate (only), for in-JVM clients. */
    public SSLContext sslContext() {
        requireStarted();
        return tls.clientContext();
    }

    /** PKCS12 trust store holding the emulator's certificate; password {@value #TRUST_STORE_PASSWORD}. */
    public Path trustStorePath() {
        requireStarted();
        return tlsDir.resolve(TlsMaterial.TRUST_STORE);
    }

    public String trustStorePassword() {
        return TRUST_STORE_PASSWORD;
    }

    /** The emulator's TLS certificate, PEM. */
    public Path certificatePemPath() {
        requireStarted();
        return tlsDir.resolve(TlsMaterial.CERT_PEM);
    }

    /** Where the TLS files and emulator.json are written. */
    public Path tlsDir() {
        requireStarted();
        return tlsDir;
    }

    // ---------------------------------------------------------------- arranging state without the SDK

    /** Creates a key (new version if it exists) with the default key_ops; returns its kid. */
    public String createKey(String vault, String name, KeyType type) {
        return createKey(vault, name, type, (String[]) null);
    }

    /** Creates a key with these key_ops (null: the defaults); returns its kid. */
    public String createKey(String vault, String name, KeyType type, String... keyOps) {
        VaultState v = vault(vault);
        v.keys.purge(name);
        KeyEntry k = handlers.get(vault)
                .keys()
                .createKey(
                        name,
                        type,
                        keyOps == null ? null : Arrays.asList(keyOps),
                        Attributes.fresh(clock.instant()),
                        Map.of(),
                        false);
        stateChanged();
        return KeysApi.kid(v.baseUrl(), k);
    }

    /** The kid of the key's current version. */
    public String keyId(String vault, String name) {
        VaultState v = vault(vault);
        return KeysApi.kid(v.baseUrl(), key(v, name));
    }

    public PublicKey publicKey(String vault, String name) {
        return key(vault(vault), name).keyPair().getPublic();
    }

    public void disableKey(String vault, String name) {
        setKeyEnabled(vault, name, false);
    }

    public void enableKey(String vault, String name) {
        setKeyEnabled(vault, name, true);
    }

    /** Enables or disables the key's current version. */
    public void setKeyEnabled(String vault, String name, boolean enabled) {
        key(vault(vault), name).attributes().setEnabled(enabled, clock.instant());
        stateChanged();
    }

    /** Sets nbf and exp (null: none) of the key's current version. */
    public void setKeyValidity(String vault, String name, Instant notBefore, Instant expires) {
        key(vault(vault), name).attributes().setValidity(notBefore, expires, clock.instant());
        stateChanged();
    }

    /** Replaces the key_ops of the key's current version. */
    public void setKeyOperations(String vault, String name, String... keyOps) {
        key(vault(vault), name).setKeyOps(Arrays.asList(keyOps));
        stateChanged();
    }

    /** Sets a secret (new version); returns its id. */
    public String setSecret(String vault, String name, String value, String contentType) {
        VaultState v = vault(vault);
        if (v.managedHsm()) {
            throw new IllegalArgumentException(vault + " is a Managed HSM: it stores no secrets");
        }
        v.secrets.purge(name);
        SecretEntry e = handlers.get(vault)
                .secrets()
                .setSecret(name, value, contentType, Attributes.fresh(clock.instant()), Map.of(), null);
        stateChanged();
        return SecretsApi.id(v.baseUrl(), e);
    }

    /** Registers (or replaces) a client at run time. */
    public void addClient(ClientConfig client) {
        requireStarted();
        directory.register(client);
    }

    /** Replaces the client's permissions on every vault (a per-vault setting still wins). */
    public void setPermissions(String clientId, Permissions permissions) {
        requireStarted();
        directory.setPermissions(clientId, permissions);
    }

    /** Sets the client's permissions on one vault. */
    public void setPermissions(String vault, String clientId, Permissions permissions) {
        vault(vault);
        directory.setPermissions(vault, clientId, permissions);
    }

    /** Access tokens issued from now on live this long (tests use seconds). */
    public void setTokenLifetime(Duration lifetime) {
        requireStarted();
        tokens.setLifetime(lifetime);
    }

    /**
     * Issues an access token for a registered client directly (no credential check), e.g. for raw HTTP tests; audience
     * is the resource (https://vault.azure.net, https://managedhsm.azure.net, or a wrong one for negative tests).
     */
    public String issueToken(String clientId, String audience, Duration lifetime) {
        requireStarted();
        ClientConfig c = Objects.requireNonNull(directory.client(clientId), "unknown client " + clientId);
        return tokens.issue(c, audience, "1", lifetime).value();
    }

    // ---------------------------------------------------------------- faults and counters

    /** The vault's fault settings, live. */
    public Faults faults(String vault) {
        return vault(vault).faults;
    }

    /** Calls of the operation (sign, verify, getKey, getSecret, createKey, ...) on the vault since the last reset. */
    public long calls(String vault, String operation) {
        return vault(vault).calls.get(operation);
    }

    public Map<String, Long> calls(String vault) {
        return vault(vault).calls.snapshot();
    }

    public void resetCalls() {
        vaults.values().forEach(v -> v.calls.reset());
    }

    public void resetCalls(String vault) {
        vault(vault).calls.reset();
    }

    // ---------------------------------------------------------------- description

    /** What emulator.json holds: endpoints, tenant, trust store, clients and the environment a client should use. */
    public String describe() {
        return Json.pretty(info());
    }

    ObjectNode info() {
        requireStarted();
        ObjectNode n = Json.object();
        n.put("warning", BANNER);
        n.put("tenantId", tenantId());
        n.put("authorityHost", authority);
        n.put("tokenEndpoint", tokenEndpoint());
        ObjectNode mi = n.putObject("managedIdentity");
        mi.put("IDENTITY_ENDPOINT", managedIdentityEndpoint());
        mi.put("IDENTITY_HEADER", identityHeader);
        mi.put("AZURE_POD_IDENTITY_AUTHORITY_HOST", authority);
        ObjectNode vs = n.putObject("vaults");
        vaults.values()
                .forEach(v -> vs.putObject(v.name())
                        .put("url", v.baseUrl())
                        .put("managedHsm", v.managedHsm())
                        .put("resource", v.resource()));
        ObjectNode trust = n.putObject("tls");
        trust.put("certificatePem", certificatePemPath().toString());
        trust.put("trustStore", trustStorePath().toString());
        trust.put("trustStoreType", "PKCS12");
        trust.put("trustStorePassword", TRUST_STORE_PASSWORD);
        n.put("adminUrl", adminUrl());
        n.put("adminToken", adminToken);
        n.put(
                "stateFile",
                stateFile == null ? null : stateFile.path().toAbsolutePath().toString());
        n.put("tokenLifetimeSeconds", tokens.lifetime().toSeconds());
        var clients = n.putArray("clients");
        for (ClientConfig c : directory.clients()) {
            ObjectNode cn = clients.addObject();
            cn.put("clientId", c.clientId());
            cn.put("objectId", c.objectId());
            cn.put("managedIdentity", c.managedIdentity());
            cn.put("permissions", c.permissions().toString());
            ObjectNode env = cn.putObject("env");
            env.put("AZURE_TENANT_ID", tenantId());
            env.put("AZURE_CLIENT_ID", c.clientId());
            env.put("AZURE_AUTHORITY_HOST", authority);
            if (c.secret() != null) {
                env.put("AZURE_CLIENT_SECRET", c.secret());
            }
            if (!c.federations().isEmpty()) {
                cn.put("federations", c.federations().toString());
            }
        }
        return n;
    }

    private void writeInfo() throws IOException {
        Files.writeString(tlsDir.resolve("emulator.json"), describe(), StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- internals

    VaultState vault(String name) {
        requireStarted();
        VaultState v = vaults.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no vault named '" + name + "' (vaults: " + vaults.keySet() + ")");
        }
        return v;
    }

    VaultHandler handler(String vault) {
        vault(vault);
        return handlers.get(vault);
    }

    Directory directory() {
        return directory;
    }

    Clock clock() {
        return clock;
    }

    private static KeyEntry key(VaultState v, String name) {
        KeyEntry k = v.keys.find(name, null);
        if (k == null) {
            throw new IllegalArgumentException("no key '" + name + "' in vault '" + v.name() + "'");
        }
        return k;
    }

    private void requireStarted() {
        if (!started) {
            throw new IllegalStateException("keyvault-emulator is not started");
        }
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Configuration of an emulator; {@link #build()} then {@link KeyVaultEmulator#start()}. */
    public static final class Builder {
        private String tenantId = DEFAULT_TENANT_ID;
        private final Map<String, Boolean> vaults = new LinkedHashMap<>();
        private final Map<String, ClientConfig> clients = new LinkedHashMap<>();
        private final Map<String, Map<String, Permissions>> vaultPermissions = new LinkedHashMap<>();
        private final Map<String, List<String>> vaultFaults = new LinkedHashMap<>();
        private Duration tokenLifetime = Duration.ofHours(1);
        private Clock clock = Clock.systemUTC();
        private int portBase;
        private String bindAddress = LOOPBACK;
        private String vaultDnsSuffix;
        private Path tlsDir;
        private Path stateFile;
        private String identityHeader;
        private String adminToken;
        private final List<String> initialFaults = new ArrayList<>();

        private Builder() {}

        public Builder tenantId(String tenantId) {
            this.tenantId = Objects.requireNonNull(tenantId);
            return this;
        }

        /** Adds a vault (keys, secrets, certificates; token audience https://vault.azure.net). */
        public Builder vault(String name) {
            KeysApi.checkName(name);
            vaults.put(name, false);
            return this;
        }

        /** Adds a Managed HSM (keys only; token audience https://managedhsm.azure.net). */
        public Builder managedHsm(String name) {
            KeysApi.checkName(name);
            vaults.put(name, true);
            return this;
        }

        public Builder client(ClientConfig client) {
            clients.put(client.clientId(), client);
            return this;
        }

        /** Adds a client authenticating with a secret, with every permission. */
        public Builder clientSecret(String clientId, String secret) {
            return client(ClientConfig.withSecret(clientId, secret));
        }

        public Builder clientSecret(String clientId, String secret, Permissions permissions) {
            return client(ClientConfig.withSecret(clientId, secret, permissions));
        }

        /** Permissions of a client on one vault (overrides the client's default). */
        public Builder permissions(String vault, String clientId, Permissions permissions) {
            vaultPermissions.computeIfAbsent(vault, v -> new LinkedHashMap<>()).put(clientId, permissions);
            return this;
        }

        /** Lifetime of issued access tokens (default 1 hour). */
        public Builder tokenLifetime(Duration lifetime) {
            this.tokenLifetime = lifetime;
            return this;
        }

        /**
         * The emulator's time: tokens' iat/nbf/exp and their checks, client assertions, key attributes. Tests pass
         * a clock they move, instead of sleeping until a token expires. Default: the system clock.
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /** 0 (default): free ports. Otherwise authority on base, vaults on base+1, base+2 ... in declaration order. */
        public Builder portBase(int portBase) {
            this.portBase = portBase;
            return this;
        }

        /**
         * The address every port listens on (default 127.0.0.1), also the host of the authority and vault URLs. Only
         * for an address of a network namespace a test made itself, where pods must reach the emulator.
         */
        public Builder bindAddress(String address) {
            this.bindAddress = Objects.requireNonNull(address);
            return this;
        }

        /**
         * Vault URLs named like Azure's, https://NAME.SUFFIX (e.g. suffix vault.azure.net), instead of the bind address;
         * the TLS certificate names them too. The test resolves them to the bind address with its own DNS.
         */
        public Builder vaultDnsSuffix(String suffix) {
            this.vaultDnsSuffix = suffix;
            return this;
        }

        /** Directory for the TLS files and emulator.json; reused key material keeps clients' trust across restarts. */
        public Builder tlsDir(Path dir) {
            this.tlsDir = dir;
            return this;
        }

        /** JSON file the vaults' content is loaded from at start and saved to after every change. */
        public Builder stateFile(Path file) {
            this.stateFile = file;
            return this;
        }

        /** The IDENTITY_HEADER secret of the managed-identity endpoint (default: random). */
        public Builder managedIdentityHeader(String header) {
            this.identityHeader = header;
            return this;
        }

        public Builder adminToken(String token) {
            this.adminToken = token;
            return this;
        }

        /**
         * Faults applied to every vault at start, in the JSON form of {@link Faults#apply(String)}. Several calls
         * apply in order (a config file's faults, then the command line's), before the per-vault ones.
         */
        public Builder faults(String json) {
            Json.parse(json); // fail here, not at start
            this.initialFaults.add(json);
            return this;
        }

        /** Faults applied to one vault at start, in the JSON form of {@link Faults#apply(String)}; calls add up. */
        public Builder faults(String vault, String json) {
            Json.parse(json);
            this.vaultFaults.computeIfAbsent(vault, k -> new ArrayList<>()).add(json);
            return this;
        }

        public KeyVaultEmulator build() {
            if (vaults.isEmpty()) {
                throw new IllegalStateException("configure at least one vault or managed HSM");
            }
            return new KeyVaultEmulator(this);
        }

        /** build().start(). */
        public KeyVaultEmulator start() {
            return build().start();
        }
    }
}
