package dev.azurekeyvaultissuer.issuer;

/** Whether the issuer a request names can sign now. */
public sealed interface IssuerAvailability {

    record Missing(String description) implements IssuerAvailability {}

    /**
     * @param checked false while the issuer has not been checked yet by this process (just started, or just
     *     became leader): its first check comes within seconds, and an unchanged status brings no event
     */
    record NotReady(String description, String why, boolean checked) implements IssuerAvailability {

        public NotReady(String description, String why) {
            this(description, why, true);
        }
    }

    record Ready(IssuerSigner signer) implements IssuerAvailability {}
}
