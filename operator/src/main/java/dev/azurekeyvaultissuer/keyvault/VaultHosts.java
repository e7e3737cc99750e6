package dev.azurekeyvaultissuer.keyvault;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which hosts a vault URL may name. Vault URLs come from issuer specs, which tenants write, and the operator sends its
 * tokens and its threads there: so only the DNS zones of Azure Key Vault and Managed HSM in Azure's clouds are
 * accepted (public: vault.azure.net, managedhsm.azure.net; China: vault.azure.cn, managedhsm.azure.cn; US Government:
 * vault.usgovcloudapi.net, managedhsm.usgovcloudapi.net), plus what an administrator allows
 * ({@code --allowed-vault-hosts}: private endpoints with custom DNS, a local emulator).
 *
 * <p>A private endpoint keeps the vault's public name (its {@code privatelink.vaultcore.azure.net} zone is only
 * a CNAME target), so it needs no entry here.
 */
public final class VaultHosts {

    /** The Azure clouds' Key Vault and Managed HSM DNS suffixes, with the leading dot. */
    public static final List<String> AZURE_SUFFIXES = List.of(
            ".vault.azure.net", ".managedhsm.azure.net",
            ".vault.azure.cn", ".managedhsm.azure.cn",
            ".vault.usgovcloudapi.net", ".managedhsm.usgovcloudapi.net");

    public static final String FLAG = "--allowed-vault-hosts";

    // A DNS label: the one label a vault name occupies in front of an Azure suffix.
    private static final Pattern LABEL = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");

    private final List<String> allowed;

    /**
     * @param allowed exact hosts ({@code kv.internal.example}, {@code 127.0.0.1}) or wildcards ({@code
     *     *.vault.example}: any host below that domain); compared case-insensitively
     */
    public VaultHosts(List<String> allowed) {
        this.allowed = Objects.requireNonNull(allowed, "allowed").stream()
                .map(h -> h.trim().toLowerCase(Locale.ROOT))
                .filter(h -> !h.isEmpty())
                .toList();
        for (String entry : this.allowed) {
            String host = entry.startsWith("*.") ? entry.substring(2) : entry;
            if (host.isEmpty()
                    || host.contains("*")
                    || host.contains("/")
                    || host.contains(":") && !host.startsWith("[")) {
                throw new IllegalArgumentException(FLAG + ": \"" + entry + "\" is not a host name, an IP address or"
                        + " *.domain (no scheme, port or path)");
            }
        }
    }

    public static VaultHosts azureOnly() {
        return new VaultHosts(List.of());
    }

    /** Why this vault URL may not be used, or empty when it may. */
    public Optional<String> refusal(URI vaultUrl) {
        String host = vaultUrl.getHost() == null ? "" : vaultUrl.getHost().toLowerCase(Locale.ROOT);
        if (isAzure(host) || isAllowed(host)) {
            return Optional.empty();
        }
        return Optional.of("vault host \"" + host + "\" is not a Key Vault or Managed HSM host of an Azure cloud ("
                + String.join(", ", AZURE_SUFFIXES.stream().map(s -> "*" + s).toList()) + "); an administrator may"
                + " allow other hosts, such as a custom domain in front of a private endpoint, with " + FLAG);
    }

    static boolean isAzure(String host) {
        for (String suffix : AZURE_SUFFIXES) {
            if (host.endsWith(suffix)) {
                return LABEL.matcher(host.substring(0, host.length() - suffix.length()))
                        .matches();
            }
        }
        return false;
    }

    private boolean isAllowed(String host) {
        for (String entry : allowed) {
            if (entry.startsWith("*.") ? host.endsWith(entry.substring(1)) : host.equals(entry)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a host is a loopback address (127.0.0.0/8, ::1, localhost): the only hosts where the test-only
     * switch that skips the challenge's resource check applies. Decided from the literal, never from DNS.
     */
    public static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("localhost")) {
            return true;
        }
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (!h.matches("[0-9.]+") && !h.matches("[0-9a-f:]+")) {
            return false;
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
