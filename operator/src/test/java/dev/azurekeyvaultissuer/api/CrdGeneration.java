package dev.azurekeyvaultissuer.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Our CRDs as fabric8's crd-generator makes them from the API classes, with one correction: printer columns in the
 * order the classes declare them (Ready, Reason, KeyID, Age, as cert-manager's own resources show them). The
 * generator sorts them by JSON path, which would put Age first.
 */
final class CrdGeneration {

    static final List<Class<? extends HasMetadata>> RESOURCES = List.of(Issuer.class, ClusterIssuer.class);

    private CrdGeneration() {}

    /** CRD name (e.g. {@code issuers.azure-keyvault-issuer.dev}) to its YAML. */
    static Map<String, String> generate() {
        try {
            Path dir = Files.createTempDirectory("crds");
            try {
                new CRDGenerator()
                        .inOutputDir(dir.toFile())
                        .forCRDVersions("v1")
                        .withPostProcessor(PRINTER_COLUMNS_AS_DECLARED)
                        .customResourceClasses(RESOURCES)
                        .generate();
                Map<String, String> crds = new TreeMap<>();
                try (var files = Files.list(dir)) {
                    for (Path file : files.toList()) {
                        crds.put(file.getFileName().toString().replace("-v1.yml", ""), Files.readString(file));
                    }
                }
                return crds;
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path file : files.toList()) {
                        Files.delete(file);
                    }
                }
                Files.delete(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final CRDPostProcessor PRINTER_COLUMNS_AS_DECLARED = new CRDPostProcessor() {
        @Override
        public HasMetadata process(HasMetadata resource, String crdSpecVersion) {
            CustomResourceDefinition crd = (CustomResourceDefinition) resource;
            List<String> declared = declaredColumns(crd.getSpec().getNames().getKind());
            crd.getSpec().getVersions().forEach(version -> {
                if (version.getAdditionalPrinterColumns() != null) {
                    version.getAdditionalPrinterColumns()
                            .sort(Comparator.comparingInt(
                                    (CustomResourceColumnDefinition column) -> declared.indexOf(column.getName())));
                }
            });
            return crd;
        }
    };

    private static List<String> declaredColumns(String kind) {
        Class<?> type = RESOURCES.stream()
                .filter(c -> c.getSimpleName().equals(kind))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no API class for kind " + kind));
        return Arrays.stream(type.getAnnotationsByType(AdditionalPrinterColumn.class))
                .map(AdditionalPrinterColumn::name)
                .toList();
    }
}
