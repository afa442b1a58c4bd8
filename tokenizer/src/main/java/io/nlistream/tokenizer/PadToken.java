package io.nlistream.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds the pad token id the way transformers does. DJL's tokenizer ignores tokenizer_config.json and pads with 0,
 * which is wrong for both seed models (camemberta {@code [PAD]} = 32002, CamemBERT {@code <pad>} = 1). Order: the
 * {@code padding} section of tokenizer.json; {@code pad_token} of tokenizer_config.json, then of
 * special_tokens_map.json, looked up in tokenizer.json; a conventional pad token ({@code [PAD]}, {@code <pad>}) among
 * the added tokens.
 */
public final class PadToken {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CONVENTIONAL = List.of("[PAD]", "<pad>");

    private PadToken() {}

    public static int resolve(Path dir, Path tokenizerJson) {
        JsonNode tokenizer = read(tokenizerJson);
        JsonNode padding = tokenizer.path("padding");
        if (padding.has("pad_id")) {
            return padding.get("pad_id").asInt();
        }
        for (String configFile : List.of("tokenizer_config.json", "special_tokens_map.json")) {
            Path p = dir.resolve(configFile);
            if (Files.isRegularFile(p)) {
                JsonNode pad = read(p).path("pad_token");
                String content =
                        pad.isTextual() ? pad.asText() : pad.path("content").asText(null);
                if (content != null) {
                    Integer id = idOf(tokenizer, content);
                    if (id == null) {
                        throw new IllegalArgumentException(p + " names pad_token '" + content + "' but "
                                + tokenizerJson.getFileName() + " has no such token");
                    }
                    return id;
                }
            }
        }
        for (String candidate : CONVENTIONAL) {
            for (JsonNode added : tokenizer.path("added_tokens")) {
                if (candidate.equals(added.path("content").asText())) {
                    return added.get("id").asInt();
                }
            }
        }
        throw new IllegalArgumentException("cannot tell the pad token of " + tokenizerJson
                + ": add \"pad_token\" to tokenizer_config.json beside it, or give the pad id explicitly");
    }

    /** The id of a token: added tokens first, then the model vocabulary (Unigram list or BPE/WordPiece map). */
    static Integer idOf(JsonNode tokenizer, String token) {
        for (JsonNode added : tokenizer.path("added_tokens")) {
            if (token.equals(added.path("content").asText())) {
                return added.get("id").asInt();
            }
        }
        JsonNode vocab = tokenizer.path("model").path("vocab");
        if (vocab.isArray()) {
            for (int i = 0; i < vocab.size(); i++) {
                if (token.equals(vocab.get(i).get(0).asText())) {
                    return i;
                }
            }
        } else if (vocab.isObject() && vocab.has(token)) {
            return vocab.get(token).asInt();
        }
        return null;
    }

    private static JsonNode read(Path p) {
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }
}
