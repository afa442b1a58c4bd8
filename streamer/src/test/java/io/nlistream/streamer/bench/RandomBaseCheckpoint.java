package io.nlistream.streamer.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlistream.schemas.Json;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a camemberta-base-shaped DebertaV2ForSequenceClassification checkpoint with random weights (hidden 768,
 * 12 layers, 12 heads, intermediate 3072, the real 32,008-token vocabulary and tokenizer) in Hugging Face layout, so
 * the trainer's exporter can turn it into a bundle for benchmarks. Parameter names come from the tiny fixture of the
 * same architecture, with its dimensions scaled up and its layers repeated. Usage: {@code RandomBaseCheckpoint
 * OUT_DIR}.
 */
public final class RandomBaseCheckpoint {
    private static final int HIDDEN = 768;
    private static final int INTERMEDIATE = 3072;
    private static final int LAYERS = 12;

    private RandomBaseCheckpoint() {}

    public static void main(String[] args) throws IOException {
        Path fixture = Path.of(System.getProperty("nli.fixtures.dir", "fixtures"), "camemberta-vocab-tiny");
        Path out = Path.of(args[0]);
        Files.createDirectories(out);
        for (String f : List.of(
                "tokenizer.json",
                "tokenizer_config.json",
                "special_tokens_map.json",
                "added_tokens.json",
                "spm.model")) {
            Files.copy(fixture.resolve(f), out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        ObjectNode config = (ObjectNode)
                Json.mapper().readTree(fixture.resolve("config.json").toFile());
        config.put("hidden_size", HIDDEN)
                .put("embedding_size", HIDDEN)
                .put("pooler_hidden_size", HIDDEN)
                .put("intermediate_size", INTERMEDIATE)
                .put("num_attention_heads", 12)
                .put("num_hidden_layers", LAYERS);
        Json.mapper()
                .writerWithDefaultPrettyPrinter()
                .writeValue(out.resolve("config.json").toFile(), config);

        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e :
                tinyShapes(fixture.resolve("model.safetensors")).entrySet()) {
            long[] scaled = e.getValue().clone();
            for (int i = 0; i < scaled.length; i++) {
                scaled[i] = scaled[i] == 32 ? HIDDEN : scaled[i] == 64 ? INTERMEDIATE : scaled[i];
            }
            if (e.getKey().contains("encoder.layer.0.")) {
                for (int l = 0; l < LAYERS; l++) {
                    shapes.put(e.getKey().replace("encoder.layer.0.", "encoder.layer." + l + "."), scaled);
                }
            } else if (!e.getKey().contains("encoder.layer.")) {
                shapes.put(e.getKey(), scaled);
            }
        }
        write(out.resolve("model.safetensors"), shapes);
        System.out.println("wrote a random camemberta-base-shaped checkpoint to " + out);
    }

    private static Map<String, long[]> tinyShapes(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] len = in.readNBytes(8);
            long n = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
            JsonNode header = Json.mapper()
                    .readTree(new String(new DataInputStream(in).readNBytes((int) n), StandardCharsets.UTF_8));
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getKey().equals("__metadata__")) {
                    List<Long> dims = new ArrayList<>();
                    e.getValue().get("shape").forEach(d -> dims.add(d.asLong()));
                    shapes.put(
                            e.getKey(), dims.stream().mapToLong(Long::longValue).toArray());
                }
            }
            return shapes;
        }
    }

    private static void write(Path file, Map<String, long[]> shapes) throws IOException {
        ObjectNode header = Json.mapper().createObjectNode();
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long count = 1;
            for (long d : e.getValue()) {
                count *= d;
            }
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (long d : e.getValue()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + 4 * count);
            offset += 4 * count;
        }
        byte[] json = Json.mapper().writeValueAsBytes(header);
        SplittableRandom random = new SplittableRandom(42);
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            os.write(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(json.length)
                    .array());
            os.write(json);
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                long count = 1;
                for (long d : e.getValue()) {
                    count *= d;
                }
                boolean norm = e.getKey().endsWith("LayerNorm.weight");
                boolean bias = e.getKey().endsWith(".bias");
                for (long i = 0; i < count; i++) {
                    // uniform(-0.0346, 0.0346) has the 0.02 standard deviation of HF's initializer_range
                    float v = norm ? 1f : bias ? 0f : (float) ((random.nextDouble() * 2 - 1) * 0.0346);
                    buf.putFloat(v);
                    if (!buf.hasRemaining()) {
                        os.write(buf.array(), 0, buf.position());
                        buf.clear();
                    }
                }
            }
            os.write(buf.array(), 0, buf.position());
        }
    }
}
