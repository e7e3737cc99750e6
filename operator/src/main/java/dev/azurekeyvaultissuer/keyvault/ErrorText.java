package dev.azurekeyvaultissuer.keyvault;

/**
 * How an error reads where a user sees it: in a condition message, an Event or one log line. Conditions and Events
 * hold one line, and a stack trace or a service's whole answer does not belong there (it stays in the log and in
 * the exception's cause). The one place for these rules; it sits in the vault port because every layer may use it.
 */
public final class ErrorText {

    private ErrorText() {}

    /** An unexpected exception: its type and the first line of its message (the rest is often a stack trace). */
    public static String summary(Throwable e) {
        String message = e.getMessage();
        String type = e.getClass().getSimpleName();
        return message == null || message.isBlank() ? type : type + ": " + firstLine(message);
    }

    /** The first line of a text, e.g. of an API server's message. */
    public static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return (newline < 0 ? text : text.substring(0, newline)).stripTrailing();
    }

    /**
     * A service's text, every line kept but folded into one with "; ", capped at {@code max} characters: what a
     * vault or Entra ID said is quoted in full where it is short, and never floods a status.
     */
    public static String oneLine(String text, int max) {
        String line = text.replaceAll("\\s*[\\r\\n]+\\s*", "; ").trim();
        return line.length() <= max ? line : line.substring(0, max) + "...";
    }
}
