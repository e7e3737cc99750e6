/**
 * What the operator decides, apart from how it talks to Kubernetes: an issuer's settings and health check, the
 * state machine of a CertificateRequest as pure functions of (request, issuer, clock), the error taxonomy and the
 * condition reasons. Like cert-manager's issuer-lib, but with no Kubernetes client types.
 */
package dev.azurekeyvaultissuer.issuer;
