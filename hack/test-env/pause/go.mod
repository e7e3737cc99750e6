// The pod sandbox ("pause") container of the test node: a static binary that sleeps until SIGINT or SIGTERM and
// reaps orphaned children, as Kubernetes' own pause does. Built by hack/test-env/build-images.sh into an OCI image.
module azure-keyvault-issuer.dev/hack/test-env/pause

go 1.22
