package io.nlistream.deploy.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Bad values stop the release at template time with a message that says what to change. */
class ValuesValidationTest {

    @Test
    void schemaRejectsNegativeReplicas() {
        assertThatThrownBy(
                        () -> HelmChart.withDefaults().set("replicaCount", -1).renderText())
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining("replicaCount");
    }

    @Test
    void schemaRejectsUnknownInferenceProvider() {
        assertThatThrownBy(() -> HelmChart.withDefaults()
                        .set("inference.provider", "tpu")
                        .renderText())
                .hasMessageContaining("inference.provider");
    }

    @Test
    void schemaRejectsMisspelledKeys() {
        assertThatThrownBy(
                        () -> HelmChart.withDefaults().set("batch.maxSise", 64).renderText())
                .hasMessageContaining("maxSise");
    }

    @Test
    void schemaRejectsAnInlineSaslPassword() {
        assertThatThrownBy(() -> HelmChart.withDefaults()
                        .set("kafka.sasl.enabled", true)
                        .set("kafka.sasl.existingSecret", "kafka-user")
                        .set("kafka.sasl.password", "hunter2")
                        .renderText())
                .hasMessageContaining("password");
    }

    @Test
    void replicasBeyondPartitionsAreRefused() {
        assertThatThrownBy(() -> HelmChart.withDefaults()
                        .set("kafka.partitions", 3)
                        .set("replicaCount", 4)
                        .renderText())
                .hasMessageContaining("replicaCount (4) exceeds kafka.partitions (3)");
    }

    @Test
    void replicasUpToPartitionsAreAccepted() {
        Rendered rendered = HelmChart.withDefaults()
                .set("kafka.partitions", 3)
                .set("replicaCount", 3)
                .render();

        assertThat(rendered.deployment().getSpec().getReplicas()).isEqualTo(3);
    }

    @Test
    void saslWithoutExistingSecretExplainsWhatToCreate() {
        assertThatThrownBy(() ->
                        HelmChart.withDefaults().set("kafka.sasl.enabled", true).renderText())
                .hasMessageContaining("kafka.sasl.existingSecret");
    }

    @Test
    void tlsWithoutExistingSecretExplainsWhatToCreate() {
        assertThatThrownBy(() ->
                        HelmChart.withDefaults().set("kafka.tls.enabled", true).renderText())
                .hasMessageContaining("kafka.tls.existingSecret");
    }

    @Test
    void pvcBundleNeedsAClaim() {
        assertThatThrownBy(() ->
                        HelmChart.withDefaults().set("bundle.pvc.claimName", "").renderText())
                .hasMessageContaining("bundle.pvc.claimName");
    }
}
