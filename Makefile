# azure-keyvault-issuer: the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

MVN ?= mvn -B -ntp
TEST_ENV_DIR ?= $(HOME)/.cache/azure-keyvault-issuer/test-env
export AKVI_TEST_ENV_DIR := $(TEST_ENV_DIR)
JAR = operator/target/azure-keyvault-issuer.jar
# `make deploy`: which kustomize overlay (workload-identity, service-principal, ha) and which kubectl.
OVERLAY ?= workload-identity
KUBECTL ?= kubectl
EMULATOR_JAR = hack/keyvault-emulator/target/keyvault-emulator.jar
# make keyvault-emulator: its TLS material, emulator.json and state file (under target/: `mvn clean` resets it).
EMULATOR_DIR ?= hack/keyvault-emulator/target/standalone
# Authority on this port, vault demo on +1, Managed HSM demo-hsm on +2 (0: free ports, new ones every start).
EMULATOR_PORT_BASE ?= 8440
# Well-known TEST-ONLY credentials of the emulator's client; never a real secret.
EMULATOR_CLIENT_ID ?= emulator-client
EMULATOR_CLIENT_SECRET ?= emulator-test-secret-not-for-production
# More emulator options, e.g. EMULATOR_ARGS='--throttle-next sign=1 --latency 50' (its --help lists them).
EMULATOR_ARGS ?=

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

.PHONY: test-env
test-env: ## Build kube-apiserver, etcd, kubectl, cert-manager, cmctl and helm from Go modules (cached)
	hack/test-env/build.sh

.PHONY: build
build: ## Compile and package the operator and the emulator, no tests
	$(MVN) -q install -DskipTests

.PHONY: test
test: test-env ## Unit, integration and end-to-end tests against real components (builds the test env first)
	source "$(TEST_ENV_DIR)/env.sh" && hack/check-manifests.sh && $(MVN) verify

.PHONY: test-node
test-node: test-env image ## The Helm chart on a real node (kubelet, containerd, workload identity webhook): issuance and HA (root)
	hack/test-env/build.sh node
	hack/test-node.sh

.PHONY: unit-test
unit-test: ## Unit tests only (no Kubernetes needed)
	$(MVN) test

.PHONY: bench
bench: test-env ## Issuance throughput, latency, vault calls and memory of the operator jar (docs/benchmarks.md)
	source "$(TEST_ENV_DIR)/env.sh" && $(MVN) -Pbench -pl operator -am package -DskipTests $(BENCH_ARGS)

.PHONY: format
format: ## Format every Java file as mvn verify checks it (palantir-java-format through Spotless)
	$(MVN) -q spotless:apply

.PHONY: crds
crds: ## Regenerate crds/ (and the chart's copy) from the API classes
	$(MVN) -q -pl operator -am test -Dtest=CrdsUpToDateTest -Dsurefire.failIfNoSpecifiedTests=false -Dcrds.update=true
	hack/sync-chart-crds.sh

.PHONY: keyvault-emulator
keyvault-emulator: ## Run the local Key Vault emulator: vault, Managed HSM, test client (test tool, not for production)
	$(MVN) -q -pl hack/keyvault-emulator -am install -DskipTests
	java -jar $(EMULATOR_JAR) --vault demo --managed-hsm demo-hsm \
	  --client '$(EMULATOR_CLIENT_ID):$(EMULATOR_CLIENT_SECRET)' --managed-identity emulator-mi \
	  --port-base $(EMULATOR_PORT_BASE) --tls-dir $(EMULATOR_DIR) --state-file $(EMULATOR_DIR)/state.json $(EMULATOR_ARGS)

.PHONY: image
image: ## OCI image tarball operator/target/jib-image.tar (Jib on a jlink runtime: no Docker daemon, no registry)
	$(MVN) -Pimage -pl operator -am package -DskipTests -Dimage.revision=$$(git rev-parse HEAD 2>/dev/null || echo unknown)
	hack/image/check-image.sh $$( [ "$$(id -u)" = 0 ] && echo --run )

.PHONY: image-smoke
image-smoke: image ## Run the image against a private control plane with the shipped RBAC (needs root)
	hack/image/smoke-test.sh

.PHONY: run
run: build ## Run the operator against the current kubeconfig
	java -jar $(JAR) run --health-bind-address 127.0.0.1 --crl-bind-address 127.0.0.1 $(ARGS)

.PHONY: deploy
deploy: ## Install into the current kubeconfig's cluster: kubectl apply -k kustomize/overlays/$(OVERLAY)
	$(KUBECTL) apply --server-side -k kustomize/overlays/$(OVERLAY)

.PHONY: demo
demo: test-env build ## Local control plane + cert-manager + Key Vault emulator + operator; issues a Certificate end to end
	hack/demo.sh up

.PHONY: demo-down
demo-down: ## Stop everything `make demo` started
	hack/demo.sh down
