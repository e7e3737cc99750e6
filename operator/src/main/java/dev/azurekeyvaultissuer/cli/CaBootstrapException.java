package dev.azurekeyvaultissuer.cli;

/**
 * Why {@code create-ca-cert} stopped, with the exit code that tells a script what kind of failure it was (see
 * {@link CreateCaCertCommand} for the table).
 */
public class CaBootstrapException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int exitCode;

    public CaBootstrapException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public CaBootstrapException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    static CaBootstrapException usage(String message) {
        return new CaBootstrapException(CreateCaCertCommand.EXIT_USAGE, message);
    }
}
