package dev.azurekeyvaultissuer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The operator's jar: {@code run} (the default) starts the operator; {@code create-ca-cert} bootstraps a CA. */
@Command(
        name = "azure-keyvault-issuer",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "A cert-manager external issuer that signs with a key held in Azure Key Vault or Managed HSM.",
        subcommands = {RunCommand.class, CreateCaCertCommand.class, RevokeCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        String[] effective =
                args.length == 0 || args[0].startsWith("-") && !isTopLevelOption(args[0]) ? prepend("run", args) : args;
        System.exit(new CommandLine(new Main())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .execute(effective));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    private static boolean isTopLevelOption(String arg) {
        return arg.equals("-h") || arg.equals("--help") || arg.equals("-V") || arg.equals("--version");
    }

    private static String[] prepend(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"azure-keyvault-issuer " + (v == null ? "dev" : v)};
        }
    }
}
