package dev.azurekeyvaultissuer;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The package rules of docs/architecture.md: dependencies point one way, and each outside world has one door. */
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.azurekeyvaultissuer");
    }

    @Test
    void onlyTheAzureAdapterKnowsTheAzureSdk() {
        noClasses()
                .that()
                .resideOutsideOfPackage("..keyvault.azure..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("com.azure..")
                .check(classes);
    }

    @Test
    void onlyTheControllerKnowsJosdk() {
        noClasses()
                .that()
                .resideOutsideOfPackage("..controller..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.javaoperatorsdk..")
                .check(classes);
    }

    @Test
    void pkiAndKeyVaultPortKnowNeitherKubernetesNorAzure() {
        noClasses()
                .that()
                .resideInAnyPackage("..pki..", "dev.azurekeyvaultissuer.keyvault")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.fabric8..",
                        "io.javaoperatorsdk..",
                        "com.azure..",
                        "dev.azurekeyvaultissuer.api..",
                        "dev.azurekeyvaultissuer.controller..",
                        "dev.azurekeyvaultissuer.issuer..")
                .check(classes);
    }

    @Test
    void decisionsKnowNoKubernetesClient() {
        noClasses()
                .that()
                .resideInAPackage("..issuer..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.fabric8.kubernetes.client..",
                        "io.javaoperatorsdk..",
                        "com.azure..",
                        "dev.azurekeyvaultissuer.controller..")
                .check(classes);
    }

    @Test
    void dependenciesPointOneWay() {
        noClasses()
                .that()
                .resideInAnyPackage("..pki..", "..issuer..", "dev.azurekeyvaultissuer.keyvault..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("..controller..", "..cli..")
                .check(classes);
    }
}
