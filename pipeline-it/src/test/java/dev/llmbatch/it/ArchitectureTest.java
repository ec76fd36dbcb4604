package dev.llmbatch.it;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module and package rules the README states, checked on the compiled classes: dependencies point inward
 * (pipeline-core imports neither Vert.x nor Kafka, nor any outer module), and the worker's packages follow the data
 * flow (intake -> dispatch -> emission) without cycles.
 */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.llmbatch");
    }

    @Test
    void core_importsNeitherVertxNorKafkaNorAnOuterModule() {
        noClasses().that().resideInAPackage("dev.llmbatch.core..")
                .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "io.netty..", "org.apache.kafka..",
                        "io.lettuce..", "dev.llmbatch.worker..", "dev.llmbatch.simulator..",
                        "dev.llmbatch.producer..")
                .because("pipeline-core holds the contracts and pure logic every module shares")
                .check(classes);
    }

    @Test
    void simulatorAndProducer_doNotReachIntoTheWorker() {
        noClasses().that().resideInAnyPackage("dev.llmbatch.simulator..", "dev.llmbatch.producer..")
                .should().dependOnClassesThat().resideInAPackage("dev.llmbatch.worker..")
                .because("the simulator stands in for Azure and the producer for any client: neither may share "
                        + "the worker's code")
                .check(classes);
    }

    @Test
    void worker_packagesFollowTheDataFlow() {
        noClasses().that().resideInAPackage("dev.llmbatch.worker.dispatch..")
                .should().dependOnClassesThat().resideInAPackage("dev.llmbatch.worker.intake..")
                .because("jobs flow from intake to dispatch, never back")
                .check(classes);
        noClasses().that().resideInAPackage("dev.llmbatch.worker.emission..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.llmbatch.worker.intake..",
                        "dev.llmbatch.worker.dispatch..", "dev.llmbatch.worker.quota..")
                .because("emission publishes what dispatch finished; it knows nothing of how")
                .check(classes);
        noClasses().that().resideInAPackage("dev.llmbatch.worker.quota..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.llmbatch.worker.intake..",
                        "dev.llmbatch.worker.dispatch..", "dev.llmbatch.worker.emission..")
                .because("the quota store serves admission and nothing else")
                .check(classes);
    }

    @Test
    void worker_packagesHaveNoCycles() {
        slices().matching("dev.llmbatch.worker.(*)..").should().beFreeOfCycles().check(classes);
    }
}
