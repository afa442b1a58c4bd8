package io.nlistream.deploy.helm;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Optional;

/** The objects of one {@code helm template} run, with typed lookups. */
record Rendered(String text, List<HasMetadata> objects) {

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> type) {
        List<T> found = all(type);
        if (found.size() != 1) {
            throw new AssertionError(
                    "expected exactly one " + type.getSimpleName() + ", got " + found.size() + " in:\n" + text);
        }
        return found.get(0);
    }

    List<GenericKubernetesResource> generic(String apiVersion, String kind) {
        return all(GenericKubernetesResource.class).stream()
                .filter(r -> apiVersion.equals(r.getApiVersion()) && kind.equals(r.getKind()))
                .toList();
    }

    List<String> kinds() {
        return objects.stream().map(HasMetadata::getKind).toList();
    }

    Deployment deployment() {
        return one(Deployment.class);
    }

    Container streamer() {
        return deployment().getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals("streamer"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no container named streamer"));
    }

    /** The ConfigMap the streamer container takes its environment from. */
    ConfigMap environment() {
        String name = streamer().getEnvFrom().get(0).getConfigMapRef().getName();
        return all(ConfigMap.class).stream()
                .filter(c -> c.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("envFrom names a missing ConfigMap " + name));
    }

    Optional<String> env(String name) {
        String fromConfigMap = environment().getData().get(name);
        if (fromConfigMap != null) {
            return Optional.of(fromConfigMap);
        }
        return Optional.ofNullable(streamer().getEnv()).orElse(List.of()).stream()
                .filter(e -> e.getName().equals(name))
                .map(e -> e.getValue() != null ? e.getValue() : "<from " + e.getValueFrom() + ">")
                .findFirst();
    }
}
