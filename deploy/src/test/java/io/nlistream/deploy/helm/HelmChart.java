package io.nlistream.deploy.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nlistream.deploy.RepoPaths;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Renders the nli-streamer chart through helm-java (Helm's Go library, no helm binary) and parses the result. */
final class HelmChart {
    static final Path CHART = RepoPaths.resolve("helm/nli-streamer");
    static final String RELEASE = "nli";
    static final String NAMESPACE = "nli-prod";
    private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");

    private final Map<String, Object> values = new LinkedHashMap<>();

    static HelmChart withDefaults() {
        return new HelmChart();
    }

    /** Equivalent of {@code --set key=value}. */
    HelmChart set(String key, Object value) {
        values.put(key, value);
        return this;
    }

    String renderText() {
        TemplateCommand template = new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE);
        values.forEach(template::set);
        return template.call();
    }

    Rendered render() {
        String text = renderText();
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : DOCUMENT_SEPARATOR.split(text)) {
            if (document.lines()
                    .allMatch(line -> line.isBlank() || line.stripLeading().startsWith("#"))) {
                continue;
            }
            objects.add(Serialization.unmarshal(document, HasMetadata.class));
        }
        return new Rendered(text, objects);
    }
}
