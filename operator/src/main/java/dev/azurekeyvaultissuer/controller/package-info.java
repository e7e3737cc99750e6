/**
 * The Kubernetes side: JOSDK reconcilers that read, ask {@code issuer} for a decision, and write once; status
 * patches, Events, the Secrets an issuer's credentials come from. The only package that imports JOSDK.
 */
package dev.azurekeyvaultissuer.controller;
