package io.nlistream.streamer.api;

import static io.nlistream.streamer.support.ServiceState.counted;
import static io.nlistream.streamer.support.ServiceState.servedVersion;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.Labels;
import io.nlistream.schemas.bundle.BundleManifest;
import io.nlistream.schemas.bundle.BundleVerifier;
import io.nlistream.schemas.event.DeadLetter;
import io.nlistream.schemas.event.NliPair;
import io.nlistream.schemas.validation.ContractSchema;
import io.nlistream.schemas.validation.SchemaValidator;
import io.nlistream.streamer.support.DirectOrt;
import io.nlistream.streamer.support.KafkaIO;
import io.nlistream.streamer.support.Pairs;
import io.nlistream.streamer.support.StreamerTestResource;
import io.nlistream.streamer.support.TestBundles;
import io.nlistream.tokenizer.PaddedBatch;
import io.nlistream.tokenizer.PairTokenizer;
import io.nlistream.tokenizer.Truncation;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The running service against a real broker: Kafka in → classifications / dead letters out, its HTTP edges, and hot
 * reload. One class, so one app boot (surefire gives each test class its own JVM: DJL's native tokenizer loads once
 * per JVM and Quarkus tests load it in their own class loader).
 */
@QuarkusTest
@QuarkusTestResource(value = StreamerTestResource.class, restrictToAnnotatedClass = false)
class StreamerEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    static String bootstrap() {
        return StreamerTestResource.bootstrap;
    }

    @Test
    void everyPairComesOutOnceWithDirectOrtProbabilitiesInPartitionOrder() throws Exception {
        List<NliPair> pairs = Pairs.pairs("e2e", 40);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        Map<String, Integer> partitionOf = new HashMap<>();
        for (int i = 0; i < pairs.size(); i++) {
            NliPair p = pairs.get(i);
            int partition = i % StreamerTestResource.PARTITIONS;
            partitionOf.put(p.id(), partition);
            RecordHeaders headers = new RecordHeaders();
            headers.add("traceparent", TRACEPARENT.getBytes(StandardCharsets.UTF_8));
            byte[] key = i % 5 == 0 ? null : ("k-" + p.id()).getBytes(StandardCharsets.UTF_8);
            NliPair withMeta = new NliPair(
                    p.id(),
                    p.premise(),
                    p.hypothesis(),
                    Json.mapper().createObjectNode().put("n", i));
            records.add(new ProducerRecord<>("nli.pairs", partition, key, Pairs.json(withMeta), headers));
        }
        KafkaIO.send(bootstrap(), records);

        Set<String> ids = pairs.stream().map(NliPair::id).collect(Collectors.toSet());
        List<ConsumerRecord<byte[], byte[]>> out = KafkaIO.read(
                bootstrap(),
                "nli.classifications",
                r -> ids.contains(read(r.value()).get("id").asText()),
                got -> got.size() >= ids.size(),
                Duration.ofSeconds(2),
                TIMEOUT);

        assertThat(out).hasSize(pairs.size());
        Map<Integer, List<Integer>> orderByPartition = new HashMap<>();
        try (DirectOrt direct = new DirectOrt()) {
            for (ConsumerRecord<byte[], byte[]> r : out) {
                JsonNode c = read(r.value());
                assertThat(SchemaValidator.get().validate(ContractSchema.NLI_CLASSIFICATION, c))
                        .isEmpty();
                String id = c.get("id").asText();
                int i = Integer.parseInt(id.substring("e2e-".length()));
                NliPair p = pairs.get(i);
                assertThat(r.partition()).as("same partition as the input").isEqualTo(partitionOf.get(id));
                orderByPartition
                        .computeIfAbsent(r.partition(), k -> new ArrayList<>())
                        .add(i);
                assertThat(r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8))
                        .isEqualTo(i % 5 == 0 ? null : "k-" + id);
                assertThat(KafkaIO.headers(r)).containsEntry("traceparent", TRACEPARENT);
                assertThat(c.get("metadata").get("n").asInt()).isEqualTo(i);
                assertThat(c.get("model").get("name").asText()).isEqualTo(TestBundles.NAME);
                double[] expected = direct.probabilities(p.premise(), p.hypothesis());
                for (int l = 0; l < 3; l++) {
                    assertThat(c.get("probabilities")
                                    .get(Labels.CONTRACT.get(l))
                                    .asDouble())
                            .as("%s %s", id, Labels.CONTRACT.get(l))
                            .isCloseTo(expected[l], within(1e-5));
                }
            }
        }
        orderByPartition.values().forEach(order -> assertThat(order).isSorted());
    }

    @Test
    @Tag("xnli")
    void xnliReferencePairsMatchTheirReferenceProbabilities() throws IOException {
        var lines =
                Files.readAllLines(TestBundles.sharedDir().resolve("fixtures/camemberta-vocab-tiny/expected.jsonl"));
        assertThat(lines).hasSize(64);
        Map<String, JsonNode> expected = new HashMap<>();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (String line : lines) {
            JsonNode row = Json.mapper().readTree(line);
            String id = "xnli-" + row.get("pairID").asText();
            expected.put(id, row);
            records.add(new ProducerRecord<>(
                    "nli.pairs",
                    id.getBytes(StandardCharsets.UTF_8),
                    Pairs.json(new NliPair(
                            id,
                            row.get("premise").asText(),
                            row.get("hypothesis").asText()))));
        }
        KafkaIO.send(bootstrap(), records);
        List<ConsumerRecord<byte[], byte[]>> out = KafkaIO.read(
                bootstrap(),
                "nli.classifications",
                r -> expected.containsKey(read(r.value()).get("id").asText()),
                got -> got.size() >= 64,
                Duration.ofSeconds(1),
                TIMEOUT);
        assertThat(out).hasSize(64);
        for (ConsumerRecord<byte[], byte[]> r : out) {
            JsonNode c = read(r.value());
            JsonNode ref = expected.get(c.get("id").asText());
            for (int l = 0; l < 3; l++) {
                assertThat(c.get("probabilities").get(Labels.CONTRACT.get(l)).asDouble())
                        .isCloseTo(ref.get("probabilities").get(l).asDouble(), within(1e-4));
            }
            assertThat(c.get("label").asText()).isEqualTo(ref.get("label").asText());
        }
    }

    @Test
    void badInputsAreDeadLetteredWithTheirReasonAndValidOnesAroundThemComeOut() {
        String big = "a".repeat(1_000_000);
        String deep = "[".repeat(20_000) + "]".repeat(20_000);
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] badUtf8 =
                "{\"id\":\"bad-utf8\",\"premise\":\"caf\u0000\",\"hypothesis\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        badUtf8[badUtf8.length - 20] = (byte) 0xC3; // a lead byte followed by a quote: not UTF-8
        badUtf8[badUtf8.length - 19] = (byte) 0x28;

        // [value, expected reason or null when accepted, key]
        List<Object[]> cases = List.of(
                new Object[] {pair("bad-ok-1"), null, "k1"},
                new Object[] {bytes("{\"id\":\"bad-malformed\",\"premise\":"), DeadLetter.Reason.MALFORMED_JSON, "k2"},
                new Object[] {
                    bytes("{\"id\":7,\"premise\":true,\"hypothesis\":[]}"), DeadLetter.Reason.SCHEMA_VIOLATION, "k3"
                },
                new Object[] {
                    bytes("{\"id\":\"bad-missing\",\"premise\":\"Il pleut.\"}"),
                    DeadLetter.Reason.SCHEMA_VIOLATION,
                    "k4"
                },
                new Object[] {
                    bytes("{\"id\":\"bad-empty\",\"premise\":\"\",\"hypothesis\":\"x\"}"),
                    DeadLetter.Reason.SCHEMA_VIOLATION,
                    "k5"
                },
                new Object[] {
                    bytes("{\"id\":\"bad-blank\",\"premise\":\" \\t\\n \",\"hypothesis\":\"x\"}"),
                    DeadLetter.Reason.SCHEMA_VIOLATION,
                    "k6"
                },
                new Object[] {pair("bad-ok-2"), null, "k7"},
                new Object[] {
                    bytes("{\"id\":\"bad-huge\",\"premise\":\"" + big + "\",\"hypothesis\":\"x\"}"),
                    DeadLetter.Reason.SCHEMA_VIOLATION,
                    "k8"
                },
                new Object[] {badUtf8, DeadLetter.Reason.INVALID_UTF8, "k9"},
                new Object[] {concat(bom, pair("bad-bom-accepted")), null, "k10"},
                new Object[] {
                    bytes("{\"id\":\"bad-extra-accepted\",\"premise\":\"Il pleut.\",\"hypothesis\":\"Il fait "
                            + "beau.\",\"source\":\"x\",\"n\":[1,2]}"),
                    null,
                    "k11"
                },
                new Object[] {
                    bytes("{\"id\":\"bad-deep\",\"premise\":\"a\",\"hypothesis\":\"b\",\"metadata\":{\"x\":" + deep
                            + "}}"),
                    DeadLetter.Reason.TOO_LARGE,
                    "k12"
                },
                new Object[] {new byte[0], DeadLetter.Reason.EMPTY_VALUE, "k13"},
                new Object[] {null, DeadLetter.Reason.EMPTY_VALUE, "k14"},
                new Object[] {bytes("[{\"id\":\"bad-array\"}]"), DeadLetter.Reason.NOT_AN_OBJECT, "k15"},
                new Object[] {pair("bad-null-key-accepted"), null, null},
                new Object[] {pair("bad-ok-3"), null, "k17"});
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (Object[] c : cases) {
            RecordHeaders headers = new RecordHeaders();
            headers.add("origin", ("case-" + c[2]).getBytes(StandardCharsets.UTF_8));
            records.add(new ProducerRecord<>(
                    "nli.pairs", 0, c[2] == null ? null : bytes((String) c[2]), (byte[]) c[0], headers));
        }
        KafkaIO.send(bootstrap(), records);

        Set<String> acceptedIds = Set.of(
                "bad-ok-1", "bad-ok-2", "bad-bom-accepted", "bad-extra-accepted", "bad-null-key-accepted", "bad-ok-3");
        long refusedCount = cases.stream().filter(c -> c[1] != null).count();
        Set<String> refusedKeys =
                cases.stream().filter(c -> c[1] != null).map(c -> (String) c[2]).collect(Collectors.toSet());

        List<ConsumerRecord<byte[], byte[]>> dead = KafkaIO.read(
                bootstrap(),
                "nli.pairs.dlq",
                r -> r.key() != null
                        && refusedKeys.contains(new String(r.key()))
                        && KafkaIO.headers(r).containsKey("origin"),
                got -> got.size() >= refusedCount,
                Duration.ofSeconds(1),
                TIMEOUT);
        assertThat(dead).hasSize((int) refusedCount);
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            Object[] c = cases.stream()
                    .filter(x -> x[2] != null && x[2].equals(new String(r.key())))
                    .findFirst()
                    .orElseThrow();
            Map<String, String> h = KafkaIO.headers(r);
            assertThat(h.get(DeadLetter.Headers.REASON))
                    .as("case %s", c[2])
                    .startsWith(((DeadLetter.Reason) c[1]).code() + ": ");
            assertThat(h)
                    .containsEntry("origin", "case-" + c[2])
                    .containsEntry(DeadLetter.Headers.TOPIC, "nli.pairs")
                    .containsEntry(DeadLetter.Headers.PARTITION, "0")
                    .containsKey(DeadLetter.Headers.OFFSET);
            assertThat(r.value())
                    .as("original value bytes, case %s", c[2])
                    .isEqualTo(c[0] == null ? null : (byte[]) c[0]);
        }

        List<ConsumerRecord<byte[], byte[]>> ok = KafkaIO.read(
                bootstrap(),
                "nli.classifications",
                r -> read(r.value()).get("id").asText().startsWith("bad-"),
                got -> got.size() >= acceptedIds.size(),
                Duration.ofSeconds(1),
                TIMEOUT);
        List<String> okIds =
                ok.stream().map(r -> read(r.value()).get("id").asText()).toList();
        assertThat(okIds)
                .containsExactly(
                        "bad-ok-1",
                        "bad-ok-2",
                        "bad-bom-accepted",
                        "bad-extra-accepted",
                        "bad-null-key-accepted",
                        "bad-ok-3");
        ok.forEach(r -> assertThat(SchemaValidator.get().validate(ContractSchema.NLI_CLASSIFICATION, read(r.value())))
                .isEmpty());
    }

    @Test
    void httpEdgesPublishClassifyAndReport() throws Exception {
        given().contentType("application/json")
                .body("[{\"id\":\"http-1\",\"premise\":\"Il pleut.\",\"hypothesis\":\"Le sol est mouillé.\"},"
                        + "{\"id\":\"http-2\",\"premise\":\"Il pleut.\",\"hypothesis\":\"Il fait sec.\"}]")
                .header("traceparent", TRACEPARENT)
                .when()
                .post("/pairs")
                .then()
                .statusCode(202)
                .body("published", equalTo(2));
        List<ConsumerRecord<byte[], byte[]>> out = KafkaIO.read(
                bootstrap(),
                "nli.classifications",
                r -> read(r.value()).get("id").asText().startsWith("http-"),
                got -> got.size() >= 2,
                Duration.ofMillis(500),
                TIMEOUT);
        assertThat(out).hasSize(2);
        assertThat(KafkaIO.headers(out.get(0))).containsEntry("traceparent", TRACEPARENT);

        given().contentType("application/json")
                .body("[{\"id\":\"http-3\",\"premise\":\"\",\"hypothesis\":\"x\"}]")
                .when()
                .post("/pairs")
                .then()
                .statusCode(400)
                .body("problems[0].index", equalTo(0))
                .body("problems[0].violations[0]", containsString("premise"));

        String classified = given().contentType("application/json")
                .body("{\"id\":\"sync-1\",\"premise\":\"Il pleut.\",\"hypothesis\":\"Le sol est mouillé.\"}")
                .when()
                .post("/classify")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        JsonNode c = read(classified.getBytes(StandardCharsets.UTF_8));
        assertThat(SchemaValidator.get().validate(ContractSchema.NLI_CLASSIFICATION, c))
                .isEmpty();
        try (DirectOrt direct = new DirectOrt()) {
            double[] expected = direct.probabilities("Il pleut.", "Le sol est mouillé.");
            assertThat(c.get("probabilities").get("neutral").asDouble()).isCloseTo(expected[1], within(1e-5));
        }

        given().when()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("checks.find { it.name == 'nli-model' }.data.provider", equalTo("cpu"))
                .body("checks.find { it.name == 'nli-streams' }.data.state", equalTo("RUNNING"));
        given().when().get("/q/health/started").then().statusCode(200);
        given().when().get("/q/health/live").then().statusCode(200);
        given().when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("nli_events_in_total"))
                .body(containsString("nli_events_out_total{label="))
                .body(containsString("nli_batch_size_bucket"))
                .body(containsString("nli_batch_tokens_bucket"))
                .body(containsString("nli_queue_seconds"))
                .body(containsString("nli_inference_seconds"))
                .body(containsString("nli_batch_fill"))
                .body(containsString("nli_queue_depth"))
                .body(containsString("nli_inference_busy_seconds_total"))
                // Kafka Streams' own loop, from Quarkus' Kafka Streams binder (names documented in docs/streamer.md)
                .body(containsString("kafka_stream_thread_process_ratio"))
                .body(containsString("kafka_stream_thread_commit_ratio"))
                .body(containsString("kafka_stream_thread_punctuate_ratio"))
                .body(containsString("kafka_stream_thread_poll_ratio"))
                .body(containsString("provider=\"cpu\""));
    }

    @Test
    void sseStreamsCommittedClassifications() throws Exception {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        HttpClient client = HttpClient.newHttpClient();
        CompletableFuture<HttpResponse<Stream<String>>> response = client.sendAsync(
                HttpRequest.newBuilder(stream.toURI())
                        .header("Accept", "text/event-stream")
                        .build(),
                HttpResponse.BodyHandlers.ofLines());
        Thread reader = new Thread(() -> {
            try {
                response.get().body().filter(l -> l.startsWith("data:")).forEach(events::add);
            } catch (Exception e) {
                events.add("error: " + e);
            }
        });
        reader.setDaemon(true);
        reader.start();
        // The SSE consumer starts at the latest offset once it has its partitions: publish until one shows up.
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        String seen = null;
        for (int i = 0; seen == null && System.nanoTime() < deadline; i++) {
            String id = "sse-" + i;
            KafkaIO.send(bootstrap(), List.of(new ProducerRecord<>("nli.pairs", bytes(id), pair(id))));
            String line = events.poll(1, TimeUnit.SECONDS);
            while (line != null && seen == null) {
                assertThat(line).doesNotStartWith("error");
                JsonNode c = read(bytes(line.substring("data:".length()).trim()));
                if (c.get("id").asText().startsWith("sse-")) {
                    assertThat(SchemaValidator.get().validate(ContractSchema.NLI_CLASSIFICATION, c))
                            .isEmpty();
                    seen = c.get("id").asText();
                }
                line = events.poll();
            }
        }
        response.cancel(true);
        assertThat(seen)
                .as("a classification arrived on /classifications/stream")
                .isNotNull();
    }

    @TestHTTPResource("/classifications/stream")
    URL stream;

    /**
     * Hot reload while pairs flow: a new version written into the watched directory, then a corrupt bundle (refused)
     * and a good one named by control events on nli.control. No pair is lost or duplicated.
     */
    @Test
    void reloadsWithoutLosingOrDuplicatingPairsAndRefusesABadBundle() throws Exception {
        String bootstrap = bootstrap();
        AtomicBoolean sending = new AtomicBoolean(true);
        int[] sent = {0};
        Thread producer = new Thread(() -> {
            try (KafkaProducer<byte[], byte[]> p = KafkaIO.producer(bootstrap)) {
                while (sending.get() || sent[0] < 40) {
                    NliPair pair = Pairs.pair("reload-" + sent[0], sent[0]);
                    p.send(new ProducerRecord<>(
                            "nli.pairs", pair.id().getBytes(StandardCharsets.UTF_8), Pairs.json(pair)));
                    sent[0]++;
                    Thread.sleep(40);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.start();

        // 1. a new version in the watched directory (manifest written last, as the exporter does)
        TestBundles.tiny(StreamerTestResource.bundleDir, "2");
        await().atMost(TIMEOUT).until(() -> servedVersion().equals("2"));

        // 2. a corrupt bundle named by a control event is refused; version 2 keeps serving
        Path bad = TestBundles.tiny(Files.createTempDirectory("nli-bad-"), "3");
        Files.write(bad.resolve("model.onnx"), new byte[] {0}, StandardOpenOption.APPEND);
        double refusedBefore = counted("nli_bundle_reloads_total", "outcome", "refused");
        await().atMost(TIMEOUT).pollInterval(Duration.ofSeconds(2)).until(() -> {
            control(bootstrap, "{\"action\":\"reload\",\"path\":\"" + bad + "\"}");
            return counted("nli_bundle_reloads_total", "outcome", "refused") > refusedBefore;
        });
        assertThat(servedVersion()).isEqualTo("2");

        // 3. a good bundle named by a control event
        Path good = TestBundles.tiny(Files.createTempDirectory("nli-good-"), "4");
        await().atMost(TIMEOUT).pollInterval(Duration.ofSeconds(2)).until(() -> {
            control(bootstrap, "{\"action\":\"reload\",\"path\":\"" + good + "\"}");
            return servedVersion().equals("4");
        });
        sending.set(false);
        producer.join();

        int n = sent[0];
        Set<String> ids = IntStream.range(0, n).mapToObj(i -> "reload-" + i).collect(Collectors.toSet());
        List<ConsumerRecord<byte[], byte[]>> out = KafkaIO.read(
                bootstrap,
                "nli.classifications",
                r -> ids.contains(read(r.value()).get("id").asText()),
                got -> got.size() >= n,
                Duration.ofSeconds(2),
                TIMEOUT);
        Map<String, Long> perId = out.stream()
                .collect(Collectors.groupingBy(r -> read(r.value()).get("id").asText(), Collectors.counting()));
        assertThat(perId)
                .hasSize(n)
                .allSatisfy((id, count) -> assertThat(count).as(id).isEqualTo(1));
        Map<String, Long> versions = out.stream()
                .collect(Collectors.groupingBy(
                        r -> read(r.value()).get("model").get("version").asText(), Collectors.counting()));
        assertThat(versions.keySet()).isSubsetOf("1", "2", "4").contains("4");
        String last = read(out.get(out.size() - 1).value())
                .get("model")
                .get("version")
                .asText();
        assertThat(last).isEqualTo("4");
    }

    /**
     * A calibrated bundle: events carry its probabilities output, softmax(raw logits / T), computed once in the model,
     * and name the temperature in model.calibration. Restores the watched bundle afterwards.
     */
    @Test
    void calibratedBundleGivesEventsCalibratedProbabilitiesAndNamesTheTemperature() throws Exception {
        String bootstrap = bootstrap();
        Path dir = TestBundles.calibrated(Files.createTempDirectory("nli-calibrated-"));
        BundleManifest manifest = BundleVerifier.verify(dir);
        double t = manifest.temperature();
        assertThat(t).isGreaterThan(1);
        try {
            await().atMost(TIMEOUT).pollInterval(Duration.ofSeconds(2)).until(() -> {
                control(bootstrap, "{\"action\":\"reload\",\"path\":\"" + dir + "\"}");
                return servedVersion().equals(manifest.version());
            });
            List<NliPair> pairs = Pairs.pairs("calibrated", 12);
            KafkaIO.send(
                    bootstrap,
                    pairs.stream()
                            .map(p -> new ProducerRecord<byte[], byte[]>("nli.pairs", null, Pairs.json(p)))
                            .toList());
            Set<String> ids = pairs.stream().map(NliPair::id).collect(Collectors.toSet());
            List<ConsumerRecord<byte[], byte[]>> out = KafkaIO.read(
                    bootstrap,
                    "nli.classifications",
                    r -> ids.contains(read(r.value()).get("id").asText()),
                    got -> got.size() >= ids.size(),
                    Duration.ofSeconds(2),
                    TIMEOUT);
            assertThat(out).hasSize(pairs.size());
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (PairTokenizer tokenizer = PairTokenizer.load(
                            dir, manifest.maxLength(), Truncation.fromId(manifest.truncation()), manifest.padId());
                    OrtSession raw = env.createSession(dir.resolve("model.onnx").toString())) {
                double maxShift = 0;
                for (ConsumerRecord<byte[], byte[]> r : out) {
                    JsonNode c = read(r.value());
                    assertThat(SchemaValidator.get().validate(ContractSchema.NLI_CLASSIFICATION, c))
                            .isEmpty();
                    assertThat(c.at("/model/name").asText()).isEqualTo(manifest.name());
                    assertThat(c.at("/model/calibration/method").asText()).isEqualTo("temperature");
                    assertThat(c.at("/model/calibration/temperature").asDouble())
                            .isEqualTo(t);
                    NliPair p = pairs.stream()
                            .filter(x -> x.id().equals(c.get("id").asText()))
                            .findFirst()
                            .orElseThrow();
                    PaddedBatch b = tokenizer.pad(List.of(tokenizer.encode(p.premise(), p.hypothesis())));
                    float[] logits;
                    try (OnnxTensor in = OnnxTensor.createTensor(env, LongBuffer.wrap(b.inputIds()), b.shape());
                            OnnxTensor mask =
                                    OnnxTensor.createTensor(env, LongBuffer.wrap(b.attentionMask()), b.shape());
                            OrtSession.Result res = raw.run(Map.of("input_ids", in, "attention_mask", mask))) {
                        logits = ((float[][]) res.get("logits").orElseThrow().getValue())[0];
                    }
                    double[] calibrated = softmax(logits, t);
                    double[] uncalibrated = softmax(logits, 1);
                    for (int l = 0; l < 3; l++) {
                        double got = c.get("probabilities")
                                .get(Labels.CONTRACT.get(l))
                                .asDouble();
                        assertThat(got)
                                .as("%s %s", p.id(), Labels.CONTRACT.get(l))
                                .isCloseTo(calibrated[l], within(1e-5));
                        maxShift = Math.max(maxShift, Math.abs(got - uncalibrated[l]));
                    }
                }
                assertThat(maxShift)
                        .as("the temperature changed the probabilities")
                        .isGreaterThan(1e-3);
            }
        } finally {
            await().atMost(TIMEOUT).pollInterval(Duration.ofSeconds(2)).until(() -> {
                control(bootstrap, "{\"action\":\"reload\",\"path\":\"" + StreamerTestResource.bundleDir + "\"}");
                return !servedVersion().equals(manifest.version());
            });
        }
    }

    private static double[] softmax(float[] logits, double t) {
        double max = Math.max(logits[0], Math.max(logits[1], logits[2])) / t;
        double[] p = new double[3];
        double sum = 0;
        for (int i = 0; i < 3; i++) {
            p[i] = Math.exp(logits[i] / t - max);
            sum += p[i];
        }
        for (int i = 0; i < 3; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** A control event keyed by this deployment's name, as the compacted control topic requires. */
    private static void control(String bootstrap, String event) {
        String deployment = ConfigProvider.getConfig().getValue("nli.control.deployment", String.class);
        KafkaIO.send(
                bootstrap,
                List.of(new ProducerRecord<>(
                        "nli.control",
                        deployment.getBytes(StandardCharsets.UTF_8),
                        event.getBytes(StandardCharsets.UTF_8))));
    }

    private static byte[] pair(String id) {
        return Pairs.json(new NliPair(id, "Le chat dort sur le canapé.", "Un animal se repose."));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static JsonNode read(byte[] json) {
        try {
            return Json.mapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
