package dev.azurekeyvaultissuer.controller;

/**
 * Text that reaches a status condition or an Event may come from a vault, which a tenant may point anywhere: it is
 * capped, so no answer can bloat an object in etcd or a {@code kubectl describe}.
 */
final class StatusText {

    /** Generous for any real message (they are one or two sentences); Events are capped lower by the API server. */
    static final int MAX_CHARS = 2048;

    private StatusText() {}

    static String cap(String text) {
        if (text == null || text.length() <= MAX_CHARS) {
            return text;
        }
        return text.substring(0, MAX_CHARS - 3) + "...";
    }
}
