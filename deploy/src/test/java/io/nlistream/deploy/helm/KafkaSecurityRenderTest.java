package io.nlistream.deploy.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SASL/SCRAM over TLS with credentials and stores from existing Secrets, KEDA and GPU on as in production. */
class KafkaSecurityRenderTest {
    private static Rendered rendered;

    @BeforeAll
    static void render() {
        rendered = HelmChart.withDefaults()
                .set("kafka.bootstrapServers", "kafka-0.kafka:9093,kafka-1.kafka:9093")
                .set("kafka.sasl.enabled", true)
                .set("kafka.sasl.existingSecret", "nli-kafka-user")
                .set("kafka.tls.enabled", true)
                .set("kafka.tls.existingSecret", "nli-kafka-tls")
                .set("kafka.tls.keystore.enabled", true)
                .set("autoscaling.enabled", true)
                .set("autoscaling.keda.tlsCaKey", "ca.crt")
                .set("gpu.enabled", true)
                .set("serviceMonitor.enabled", true)
                .render();
    }

    private static EnvVar envVar(String name) {
        return rendered.streamer().getEnv().stream()
                .filter(e -> e.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no env " + name));
    }

    @Test
    void securityProtocolAndMechanismFollowTheToggles() {
        assertThat(rendered.env("KAFKA_SECURITY_PROTOCOL")).contains("SASL_SSL");
        assertThat(rendered.env("KAFKA_SASL_MECHANISM")).contains("SCRAM-SHA-512");
        assertThat(HelmChart.withDefaults()
                        .set("kafka.tls.enabled", true)
                        .set("kafka.tls.existingSecret", "t")
                        .render()
                        .env("KAFKA_SECURITY_PROTOCOL"))
                .contains("SSL");
        assertThat(HelmChart.withDefaults()
                        .set("kafka.sasl.enabled", true)
                        .set("kafka.sasl.existingSecret", "s")
                        .render()
                        .env("KAFKA_SECURITY_PROTOCOL"))
                .contains("SASL_PLAINTEXT");
    }

    @Test
    void credentialsComeFromTheExistingSecret() {
        assertThat(envVar("KAFKA_SASL_USERNAME")
                        .getValueFrom()
                        .getSecretKeyRef()
                        .getName())
                .isEqualTo("nli-kafka-user");
        assertThat(envVar("KAFKA_SASL_PASSWORD")
                        .getValueFrom()
                        .getSecretKeyRef()
                        .getName())
                .isEqualTo("nli-kafka-user");
        assertThat(envVar("KAFKA_SASL_PASSWORD")
                        .getValueFrom()
                        .getSecretKeyRef()
                        .getKey())
                .isEqualTo("password");
        assertThat(envVar("KAFKA_SASL_JAAS_CONFIG").getValue())
                .isEqualTo("org.apache.kafka.common.security.scram.ScramLoginModule required "
                        + "username=\"$(KAFKA_SASL_USERNAME)\" password=\"$(KAFKA_SASL_PASSWORD)\";");
        List<EnvVar> env = rendered.streamer().getEnv();
        int username = env.indexOf(envVar("KAFKA_SASL_USERNAME"));
        int password = env.indexOf(envVar("KAFKA_SASL_PASSWORD"));
        assertThat(env.indexOf(envVar("KAFKA_SASL_JAAS_CONFIG")))
                .as("Kubernetes only expands $(VAR) of variables defined earlier")
                .isGreaterThan(username)
                .isGreaterThan(password);
    }

    @Test
    void storesAreMountedFromTheTlsSecretWithPasswordsReferenced() {
        Volume tls = rendered.deployment().getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getSecret() != null)
                .findFirst()
                .orElseThrow();
        assertThat(tls.getSecret().getSecretName()).isEqualTo("nli-kafka-tls");
        String mountPath = rendered.streamer().getVolumeMounts().stream()
                .filter(m -> m.getName().equals(tls.getName()))
                .findFirst()
                .orElseThrow()
                .getMountPath();
        assertThat(rendered.env("KAFKA_SSL_TRUSTSTORE_LOCATION")).contains(mountPath + "/truststore.p12");
        assertThat(rendered.env("KAFKA_SSL_KEYSTORE_LOCATION")).contains(mountPath + "/keystore.p12");
        assertThat(rendered.env("KAFKA_SSL_TRUSTSTORE_TYPE")).contains("PKCS12");
        assertThat(envVar("KAFKA_SSL_TRUSTSTORE_PASSWORD")
                        .getValueFrom()
                        .getSecretKeyRef()
                        .getName())
                .isEqualTo("nli-kafka-tls");
        assertThat(envVar("KAFKA_SSL_KEYSTORE_PASSWORD")
                        .getValueFrom()
                        .getSecretKeyRef()
                        .getKey())
                .isEqualTo("keystore.password");
    }

    @Test
    void nothingSensitiveIsInlined() {
        assertThat(rendered.all(Secret.class)).as("the chart creates no Secret").isEmpty();
        assertThat(rendered.streamer().getEnv())
                .filteredOn(e -> e.getName().contains("PASSWORD"))
                .allSatisfy(e -> {
                    assertThat(e.getValue()).isNull();
                    assertThat(e.getValueFrom().getSecretKeyRef()).isNotNull();
                });
        assertThat(rendered.environment().getData().keySet())
                .noneMatch(k -> k.contains("PASSWORD") || k.contains("JAAS"));
        // Any password= in the manifests is a reference to a variable, never a literal.
        assertThat(Pattern.compile("password=\\\\?\"(?!\\$\\()")
                        .matcher(rendered.text())
                        .find())
                .isFalse();
    }

    @Test
    void kedaAuthenticatesWithTheSameSecrets() {
        GenericKubernetesResource scaled =
                rendered.generic("keda.sh/v1alpha1", "ScaledObject").get(0);
        GenericKubernetesResource auth =
                rendered.generic("keda.sh/v1alpha1", "TriggerAuthentication").get(0);
        Map<String, Object> trigger =
                scaled.<List<Map<String, Object>>>get("spec", "triggers").get(0);

        assertThat(trigger.get("metadata"))
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("sasl", "scram_sha512")
                .containsEntry("tls", "enable")
                .containsEntry("bootstrapServers", "kafka-0.kafka:9093,kafka-1.kafka:9093");
        assertThat(trigger.get("authenticationRef"))
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("name", auth.getMetadata().getName());
        List<Map<String, String>> refs = auth.get("spec", "secretTargetRef");
        assertThat(refs)
                .extracting(r -> r.get("parameter") + "<-" + r.get("name") + "/" + r.get("key"))
                .containsExactlyInAnyOrder(
                        "username<-nli-kafka-user/username",
                        "password<-nli-kafka-user/password",
                        "ca<-nli-kafka-tls/ca.crt");
    }

    @Test
    void productionCombinationKeepsGpuAndMonitoring() {
        assertThat(rendered.streamer().getResources().getLimits()).containsKey("nvidia.com/gpu");
        assertThat(rendered.generic("monitoring.coreos.com/v1", "ServiceMonitor"))
                .hasSize(1);
        assertThat(rendered.deployment().getSpec().getReplicas()).isNull();
    }
}
