package io.nlistream.streamer.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The streamer container's environment as Kubernetes would give it from the Helm chart (helm/nli-streamer rendered
 * through helm-java): the ConfigMap of {@code envFrom}, then {@code env} in order with {@code secretKeyRef}s read from
 * the given Secrets and {@code $(VAR)} expanded, and Secret volumes materialised in a local directory (paths under
 * their mount path point there). Tests that configure the app this way break when the chart renames a variable.
 */
public final class ChartEnvironment {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");
    private static final Pattern VAR_REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    private ChartEnvironment() {}

    /**
     * @param values {@code --set} values
     * @param secrets Secret name → key → content (strings, or a {@link Path} whose file is the content)
     * @param volumes where Secret volumes are materialised
     */
    public static Map<String, String> render(
            Map<String, Object> values, Map<String, Map<String, Object>> secrets, Path volumes) {
        Path chart = Path.of(System.getProperty("nli.repo.root", "..")).resolve("helm/nli-streamer");
        TemplateCommand template = new Helm(chart).template().withName("nli").withNamespace("nli");
        values.forEach(template::set);
        JsonNode configMaps = YAML.createArrayNode();
        JsonNode deployment = null;
        for (String document : DOCUMENT_SEPARATOR.split(template.call())) {
            JsonNode object = read(document);
            if (object == null || !object.has("kind")) {
                continue;
            }
            switch (object.get("kind").asText()) {
                case "ConfigMap" -> ((com.fasterxml.jackson.databind.node.ArrayNode) configMaps).add(object);
                case "Deployment" -> deployment = object;
                default -> {}
            }
        }
        if (deployment == null) {
            throw new IllegalStateException("the chart rendered no Deployment");
        }
        JsonNode pod = deployment.at("/spec/template/spec");
        JsonNode container = pod.get("containers").get(0);
        Map<String, String> mounts = mountSecretVolumes(pod, container, secrets, volumes);
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode from : container.path("envFrom")) {
            String name = from.at("/configMapRef/name").asText();
            for (JsonNode cm : configMaps) {
                if (cm.at("/metadata/name").asText().equals(name)) {
                    cm.path("data")
                            .fields()
                            .forEachRemaining(
                                    e -> env.put(e.getKey(), e.getValue().asText()));
                }
            }
        }
        for (JsonNode var : container.path("env")) {
            String name = var.get("name").asText();
            if (var.has("value")) {
                env.put(name, expand(var.get("value").asText(), env));
            } else {
                JsonNode ref = var.at("/valueFrom/secretKeyRef");
                env.put(
                        name,
                        content(
                                secrets,
                                ref.get("name").asText(),
                                ref.get("key").asText()));
            }
        }
        env.replaceAll((k, v) -> remount(v, mounts));
        return env;
    }

    /** mount path → local directory holding the Secret's keys as files. */
    private static Map<String, String> mountSecretVolumes(
            JsonNode pod, JsonNode container, Map<String, Map<String, Object>> secrets, Path volumes) {
        Map<String, String> secretOfVolume = new LinkedHashMap<>();
        for (JsonNode v : pod.path("volumes")) {
            if (v.has("secret")) {
                secretOfVolume.put(
                        v.get("name").asText(), v.at("/secret/secretName").asText());
            }
        }
        Map<String, String> mounts = new LinkedHashMap<>();
        for (JsonNode m : container.path("volumeMounts")) {
            String secret = secretOfVolume.get(m.get("name").asText());
            if (secret == null) {
                continue;
            }
            Path dir = volumes.resolve(m.get("name").asText());
            try {
                Files.createDirectories(dir);
                for (String key : secrets.getOrDefault(secret, Map.of()).keySet()) {
                    Object content = secrets.get(secret).get(key);
                    if (content instanceof Path file) {
                        Files.copy(file, dir.resolve(key));
                    } else {
                        Files.writeString(dir.resolve(key), content.toString());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot materialise Secret " + secret + " in " + dir, e);
            }
            mounts.put(m.get("mountPath").asText(), dir.toString());
        }
        return mounts;
    }

    private static String content(Map<String, Map<String, Object>> secrets, String secret, String key) {
        Object content = secrets.getOrDefault(secret, Map.of()).get(key);
        if (content == null) {
            throw new IllegalStateException(
                    "the chart reads key " + key + " of Secret " + secret + ", which the test did not provide");
        }
        return content.toString();
    }

    /** Kubernetes' dependent variables: $(NAME) of a variable defined earlier. */
    private static String expand(String value, Map<String, String> env) {
        Matcher m = VAR_REF.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = env.get(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(v == null ? m.group() : v));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String remount(String value, Map<String, String> mounts) {
        for (Map.Entry<String, String> m : mounts.entrySet()) {
            if (value.startsWith(m.getKey() + "/")) {
                return m.getValue() + value.substring(m.getKey().length());
            }
        }
        return value;
    }

    private static JsonNode read(String document) {
        try {
            return YAML.readTree(document);
        } catch (IOException e) {
            throw new UncheckedIOException("the chart rendered invalid YAML", e);
        }
    }
}
