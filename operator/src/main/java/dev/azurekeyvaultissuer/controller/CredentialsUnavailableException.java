package dev.azurekeyvaultissuer.controller;

/** The Secret or ServiceAccount an issuer's auth names is missing or unusable; the message says which. */
class CredentialsUnavailableException extends RuntimeException {

    CredentialsUnavailableException(String message) {
        super(message);
    }
}
