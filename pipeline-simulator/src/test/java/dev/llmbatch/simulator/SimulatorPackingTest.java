package dev.llmbatch.simulator;

import static dev.llmbatch.simulator.TestHttp.KEY;
import static dev.llmbatch.simulator.TestHttp.await;
import static dev.llmbatch.simulator.TestHttp.chat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.api.EncodingType;
import dev.llmbatch.core.batch.PackingProtocol;
import dev.llmbatch.core.batch.Unpacked;
import dev.llmbatch.core.job.ChatMessage;
import dev.llmbatch.core.json.Json;
import dev.llmbatch.core.request.RequestSpec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Packed requests (prompt-packing protocol) against a started simulator: outputs identical to single requests,
 * truncation, every batch fault as a client sees it through {@link PackingProtocol#unpack}, and the packed counters.
 */
class SimulatorPackingTest extends FakeClockHttpTest {
    private static final String CONFIG = """
            api-keys: [k1]
            regions:
              - name: r1
                latency: {rtt-ms: 0, ttft-ms: 0, prefill-ms-per-1k: 0, tps: 1.0e12, ttft-sigma: 0, tps-sigma: 0}
                deployments:
                  - {name: dep, tpm: 1000000, rpm: 100000, content-filter-pattern: "(?i)forbidden"}
                  - {name: dropper, tpm: 1000000, rpm: 100000, batch-faults: {p-drop: 1.0}}
                  - {name: tiny, tpm: 50}
                  - {name: hostile, tpm: 1000000, rpm: 100000, packing: ignore}
            """;
    private static final String TRANSLATE = "Translate the text to French.";
    private static final List<PackingProtocol.Item> FIVE = List.of(
            new PackingProtocol.Item("Hello world, plain ASCII", 50),
            new PackingProtocol.Item("日本語のテキストです", 50),
            new PackingProtocol.Item("great job 👍🏽 🎉 done", 50),
            new PackingProtocol.Item("a \"quoted\" \\ backslash\nnewline", 50),
            new PackingProtocol.Item("this long text is cut by its own small budget", 2));

    @Override
    String config() {
        return CONFIG;
    }

    /** The body {@code ChatRequestBody} sends for a classic deployment, built from the spec by hand. */
    private static JsonObject body(RequestSpec spec) {
        JsonArray messages = new JsonArray();
        for (ChatMessage m : spec.messages()) {
            messages.add(new JsonObject().put("role", m.role()).put("content", m.content()));
        }
        JsonObject body = new JsonObject().put("messages", messages).put("max_tokens", spec.maxTokens());
        if (spec.temperature() != null) {
            body.put("temperature", spec.temperature());
        }
        if (spec.responseFormat() != null) {
            body.put("response_format", new JsonObject(spec.responseFormat().toString()));
        }
        return body;
    }

    private static JsonObject choice(HttpResponse<Buffer> resp) {
        assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(200);
        return resp.bodyAsJsonObject().getJsonArray("choices").getJsonObject(0);
    }

    private static String content(HttpResponse<Buffer> resp) {
        return choice(resp).getJsonObject("message").getString("content");
    }

    /** The reply content to {@code items} packed under TRANSLATE. */
    private String packedContent(String deployment, List<PackingProtocol.Item> items) {
        return content(post(deployment, body(PackingProtocol.pack(TRANSLATE, items, 0.0))));
    }

    private static List<String> singleOutputs(List<PackingProtocol.Item> items) {
        return items.stream().map(it -> FakeModel.complete(TRANSLATE, it.text(), it.maxTokens()).content()).toList();
    }

    private static JsonNode entries(String content) {
        try {
            return Json.mapper().readTree(content).get("items");
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + content, e);
        }
    }

    private static BitSet all(int n) {
        BitSet b = new BitSet(n);
        b.set(0, n);
        return b;
    }

    @Test
    void packed_fiveItems_eachOutputIsTheSingleRequestOutputInIndexOrder() {
        RequestSpec spec = PackingProtocol.pack(TRANSLATE, FIVE, 0.0);
        HttpResponse<Buffer> resp = post("dep", body(spec));
        JsonObject choice = choice(resp);
        String content = choice.getJsonObject("message").getString("content");

        List<String> singles = new ArrayList<>();
        for (PackingProtocol.Item it : FIVE) {
            singles.add(content(post("dep", chat(TRANSLATE, it.text(), it.maxTokens()))));
        }
        assertThat(singles).isEqualTo(singleOutputs(FIVE));
        assertThat(singles.get(4)).isEqualTo("[transla");
        assertThat(singles.get(1)).isEqualTo("[translated] すでトスキテの語本");     // verbosity 0.87: 9 of 10
        assertThat(singles.get(2)).isEqualTo("[translated] enod 🎉 🏽👍 boj taergeno");  // verbosity 1.17: 22 of 19

        JsonNode entries = entries(content);
        assertThat(entries).hasSize(5);
        for (int i = 0; i < 5; i++) {
            assertThat(entries.get(i).get("i").isInt()).isTrue();
            assertThat(entries.get(i).get("i").intValue()).isEqualTo(i);
            assertThat(entries.get(i).get("output").textValue()).isEqualTo(singles.get(i));
        }
        assertThat(content).isEqualTo(FakeModel.packedReply(TRANSLATE, FIVE))
                .contains("すでトスキテの語本", "🎉 🏽👍")
                .doesNotContain("\\u");
        assertThat(resp.bodyAsString()).contains("すでトスキテの語本", "🎉 🏽👍").doesNotContain("\\u");

        Unpacked unpacked = PackingProtocol.unpack(content, 5);
        assertThat(unpacked.failed().isEmpty()).isTrue();
        assertThat(IntStream.range(0, 5).mapToObj(unpacked::output).toList()).isEqualTo(singles);

        assertThat(choice.getString("finish_reason")).isEqualTo("stop");
        JsonObject usage = resp.bodyAsJsonObject().getJsonObject("usage");
        List<ChatRequest.Message> messages = spec.messages().stream()
                .map(m -> new ChatRequest.Message(m.role(), m.content(), null)).toList();
        int prompt = PromptTokens.count(Tokenizers.registry().getEncoding(EncodingType.O200K_BASE), messages);
        assertThat(usage.getInteger("prompt_tokens")).isEqualTo(prompt);
        assertThat(usage.getInteger("completion_tokens")).isEqualTo(FakeModel.completionTokens(content));
        assertThat(usage.getInteger("total_tokens")).isEqualTo(prompt + FakeModel.completionTokens(content));
    }

    @Test
    void packed_sentimentInstruction_sameAsSingleRequests() {
        String instruction = "Classify the sentiment as positive, negative or neutral.";
        List<PackingProtocol.Item> items = List.of(new PackingProtocol.Item("Great phone", 5),
                new PackingProtocol.Item("ひどい", 5), new PackingProtocol.Item("meh 😐", 5));
        String content = content(post("dep", body(PackingProtocol.pack(instruction, items, null))));
        Unpacked unpacked = PackingProtocol.unpack(content, 3);
        for (int i = 0; i < 3; i++) {
            assertThat(unpacked.output(i))
                    .isEqualTo(content(post("dep", chat(instruction, items.get(i).text(), 5))))
                    .isEqualTo(FakeModel.reply(instruction, items.get(i).text()));
        }
    }

    @Test
    void packed_tinyMaxTokens_jsonTruncatedWithFinishReasonLength() {
        JsonObject body = body(PackingProtocol.pack(TRANSLATE, FIVE, 0.0)).put("max_tokens", 3);
        HttpResponse<Buffer> resp = post("dep", body);
        JsonObject choice = choice(resp);
        String content = choice.getJsonObject("message").getString("content");
        String full = FakeModel.packedReply(TRANSLATE, FIVE);

        assertThat(choice.getString("finish_reason")).isEqualTo("length");
        assertThat(content).isEqualTo(full.substring(0, 12)).isEqualTo("{\"items\":[{\"");
        assertThat(FakeModel.limit(full, 3)).isEqualTo(new FakeModel.Completion(content, 3, "length"));
        assertThat(resp.bodyAsJsonObject().getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(3);
        assertThat(PackingProtocol.unpack(content, 5).failed()).isEqualTo(all(5));
    }

    @Test
    void packed_contentFilterOnAnyItem_400ForTheWholeRequestNotCharged() {
        List<PackingProtocol.Item> items = List.of(new PackingProtocol.Item("fine", 5),
                new PackingProtocol.Item("this is FORBIDDEN", 5));
        HttpResponse<Buffer> resp = post("dep", body(PackingProtocol.pack(TRANSLATE, items, 0.0)));
        assertThat(resp.statusCode()).isEqualTo(400);
        assertThat(resp.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("content_filter");
        DeploymentStats s = sim.stats("r1").deployment("dep");
        assertThat(s.accepted()).isZero();
        assertThat(s.packedRequests()).isZero();
        assertThat(s.admittedTokens()).isZero();
    }

    @Test
    void batchFaultDrop_configured_entriesLeftOutAndAllFlagged() {
        String content = packedContent("dropper", FIVE);
        assertThat(content).isEqualTo("{\"items\":[]}");
        assertThat(PackingProtocol.unpack(content, 5).failed()).isEqualTo(all(5));

        // an ordinary request is never affected by batch faults
        assertThat(content(post("dropper", chat(TRANSLATE, "abc", 10)))).isEqualTo("[translated] cba");

        // a runtime setting overrides the configured one
        sim.setBatchFaults("r1", BatchFaults.none());
        assertThat(packedContent("dropper", FIVE)).isEqualTo(FakeModel.packedReply(TRANSLATE, FIVE));
    }

    @Test
    void batchFaultDuplicate_everyIndexTwiceWithDifferentOutputs_allFlagged() {
        sim.setBatchFaults("r1", BatchFaults.none().withPDuplicate(1.0));
        String content = packedContent("dep", FIVE);
        JsonNode entries = entries(content);
        assertThat(entries).hasSize(10);
        Map<Integer, List<String>> byIndex = new HashMap<>();
        for (JsonNode e : entries) {
            byIndex.computeIfAbsent(e.get("i").intValue(), k -> new ArrayList<>()).add(e.get("output").textValue());
        }
        List<String> singles = singleOutputs(FIVE);
        for (int i = 0; i < 5; i++) {
            assertThat(byIndex.get(i)).hasSize(2).element(0).isEqualTo(singles.get(i));
            assertThat(byIndex.get(i).get(1)).isNotEqualTo(singles.get(i));
        }
        assertThat(PackingProtocol.unpack(content, 5).failed()).isEqualTo(all(5));

        // a single item duplicates to a different output too
        List<PackingProtocol.Item> one = List.of(new PackingProtocol.Item("solo", 10));
        String solo = packedContent("dep", one);
        assertThat(entries(solo)).hasSize(2);
        assertThat(entries(solo).get(1).get("output").textValue()).isNotEqualTo("[translated] olos");
        assertThat(PackingProtocol.unpack(solo, 1).answered()).isZero();
    }

    @Test
    void batchFaultCorrupt_everyEntryMalformed_allFlagged() {
        sim.setBatchFaults("r1", BatchFaults.none().withPCorrupt(1.0));
        List<PackingProtocol.Item> items = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            items.add(new PackingProtocol.Item("text " + i, 20));
        }
        String content = packedContent("dep", items);
        JsonNode entries = entries(content);
        assertThat(entries).hasSize(12);
        int numberOutput = 0;
        int nullOutput = 0;
        int stringIndex = 0;
        for (JsonNode e : entries) {
            if (e.get("i").isTextual()) {
                stringIndex++;
                assertThat(e.get("output").isTextual()).isTrue();
            } else if (e.get("output").isNull()) {
                nullOutput++;
            } else {
                assertThat(e.get("output").isNumber()).as(e.toString()).isTrue();
                numberOutput++;
            }
        }
        assertThat(numberOutput + nullOutput + stringIndex).isEqualTo(12);
        assertThat(List.of(numberOutput, nullOutput, stringIndex)).allSatisfy(n -> assertThat(n).isPositive());
        assertThat(PackingProtocol.unpack(content, 12).failed()).isEqualTo(all(12));
    }

    @Test
    void batchFaultReorder_entriesOutOfOrder_clientMappingByIndexGetsEveryAnswer() {
        sim.setBatchFaults("r1", BatchFaults.none().withPReorder(1.0));
        for (int round = 0; round < 3; round++) {
            String content = packedContent("dep", FIVE);
            JsonNode entries = entries(content);
            List<Integer> order = new ArrayList<>();
            entries.forEach(e -> order.add(e.get("i").intValue()));
            assertThat(order).containsExactlyInAnyOrder(0, 1, 2, 3, 4).isNotEqualTo(List.of(0, 1, 2, 3, 4));
            Unpacked unpacked = PackingProtocol.unpack(content, 5);
            assertThat(unpacked.failed().isEmpty()).isTrue();
            assertThat(IntStream.range(0, 5).mapToObj(unpacked::output).toList()).isEqualTo(singleOutputs(FIVE));
        }
    }

    @Test
    void batchFaultInvalidJson_contentCutInHalf_allFlagged() {
        sim.setBatchFaults("r1", BatchFaults.none().withPInvalidJson(1.0));
        HttpResponse<Buffer> resp = post("dep", body(PackingProtocol.pack(TRANSLATE, FIVE, 0.0)));
        String content = content(resp);
        String full = FakeModel.packedReply(TRANSLATE, FIVE);
        int half = full.codePointCount(0, full.length()) / 2;
        assertThat(content).isEqualTo(full.substring(0, full.offsetByCodePoints(0, half)));
        assertThatThrownBy(() -> Json.mapper().readTree(content)).isInstanceOf(IOException.class);
        assertThat(PackingProtocol.unpack(content, 5).failed()).isEqualTo(all(5));
        assertThat(resp.bodyAsJsonObject().getJsonObject("usage").getInteger("completion_tokens"))
                .isEqualTo(FakeModel.completionTokens(content));
    }

    @Test
    void batchFaultsMixed_unpackFlagsExactlyTheAffectedIndices() {
        sim.setBatchFaults("r1", new BatchFaults(0.2, 0.2, 0.5, 0.2, 0));
        int n = 40;
        List<PackingProtocol.Item> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            items.add(new PackingProtocol.Item("item number " + i, 20));
        }
        List<String> singles = singleOutputs(items);
        String content = packedContent("dep", items);

        // affected, from the raw reply: no entry, several entries, or a malformed one
        Map<Integer, Integer> count = new HashMap<>();
        BitSet affected = new BitSet(n);
        for (JsonNode e : entries(content)) {
            JsonNode i = e.get("i");
            if (!i.isInt()) {
                affected.set(Integer.parseInt(i.textValue()));
                continue;
            }
            count.merge(i.intValue(), 1, Integer::sum);
            if (!e.get("output").isTextual()) {
                affected.set(i.intValue());
            }
        }
        for (int i = 0; i < n; i++) {
            if (count.getOrDefault(i, 0) != 1) {
                affected.set(i);
            }
        }
        assertThat(affected.cardinality()).isBetween(1, n - 1);

        Unpacked unpacked = PackingProtocol.unpack(content, n);
        assertThat(unpacked.failed()).isEqualTo(affected);
        for (int i = affected.nextClearBit(0); i < n; i = affected.nextClearBit(i + 1)) {
            assertThat(unpacked.output(i)).isEqualTo(singles.get(i));
        }
    }

    @Test
    void stats_packedRequestsAndItems_countedForAdmittedRequestsOnly() {
        post("dep", body(PackingProtocol.pack(TRANSLATE, FIVE, 0.0)));
        post("dep", body(PackingProtocol.pack(TRANSLATE, FIVE.subList(0, 3), 0.0)));
        post("dep", chat(TRANSLATE, "single", 10));
        HttpResponse<Buffer> refused = post("tiny", body(PackingProtocol.pack(TRANSLATE, FIVE, 0.0)));
        assertThat(refused.statusCode()).isEqualTo(429);

        RegionStats stats = sim.stats("r1");
        DeploymentStats dep = stats.deployment("dep");
        assertThat(dep.accepted()).isEqualTo(3);
        assertThat(dep.packedRequests()).isEqualTo(2);
        assertThat(dep.packedItems()).isEqualTo(8);
        assertThat(dep.admittedJobs()).isEqualTo(9);
        assertThat(stats.deployment("tiny").packedRequests()).isZero();
        assertThat(stats.deployment("tiny").packedItems()).isZero();

        JsonObject json = http.getStats(sim, "r1").bodyAsJsonObject().getJsonObject("deployments")
                .getJsonObject("dep");
        assertThat(json.getLong("packed_requests")).isEqualTo(2);
        assertThat(json.getLong("packed_items")).isEqualTo(8);
        assertThat(RegionStats.fromJson(stats.toJson()).deployments()).isEqualTo(stats.deployments());
    }

    @Test
    void adminEndpoint_batchFaults_setAtRuntimeAndValidated() {
        String url = sim.endpoint("r1") + "/sim/admin/batch-faults";
        HttpResponse<Buffer> set = await(http.client.postAbs(url).putHeader("api-key", KEY)
                .sendJsonObject(new JsonObject().put("p-invalid-json", 1.0)));
        assertThat(set.statusCode()).isEqualTo(200);
        assertThat(set.bodyAsJsonObject().getDouble("p-invalid-json")).isEqualTo(1.0);
        assertThat(PackingProtocol.unpack(packedContent("dep", FIVE), 5).failed()).isEqualTo(all(5));

        HttpResponse<Buffer> bad = await(http.client.postAbs(url).putHeader("api-key", KEY)
                .sendJsonObject(new JsonObject().put("p-drop", 2)));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.bodyAsJsonObject().getJsonObject("error").getString("message"))
                .isEqualTo("p-drop must be in [0, 1], got 2.0");

        HttpResponse<Buffer> clear = await(http.client.postAbs(url).putHeader("api-key", KEY)
                .sendJsonObject(new JsonObject()));
        assertThat(clear.statusCode()).isEqualTo(200);
        assertThat(packedContent("dep", FIVE)).isEqualTo(FakeModel.packedReply(TRANSLATE, FIVE));
        assertThat(packedContent("dropper", FIVE)).isEqualTo(FakeModel.packedReply(TRANSLATE, FIVE));
    }

    /** What a deployment with {@code packing: ignore} answers to {@code spec}: plain text under the same token rule. */
    private static FakeModel.Completion ignored(RequestSpec spec) {
        return FakeModel.limit(FakeModel.ignoredPackingReply(spec.messages().get(0).content(),
                spec.messages().get(1).content()), spec.maxTokens());
    }

    @Test
    void packingIgnore_packedRequest_plainTextThatNeverUnpacksChargedAndCounted() {
        for (String instruction : List.of(TRANSLATE, "Classify the sentiment.", "Summarise the text.")) {
            RequestSpec spec = PackingProtocol.pack(instruction, FIVE, 0.0);
            HttpResponse<Buffer> resp = post("hostile", body(spec));
            String content = content(resp);

            assertThat(content).isEqualTo(ignored(spec).content()).doesNotStartWith("{");
            assertThat(choice(resp).getString("finish_reason")).isEqualTo(ignored(spec).finishReason());
            assertThat(resp.bodyAsJsonObject().getJsonObject("usage").getInteger("completion_tokens"))
                    .isEqualTo(ignored(spec).completionTokens());
            assertThat(PackingProtocol.unpack(content, 5).failed()).as(content).isEqualTo(all(5));
        }
        DeploymentStats s = sim.stats("r1").deployment("hostile");
        assertThat(s.accepted()).isEqualTo(3);
        assertThat(s.packedRequests()).isEqualTo(3);
        assertThat(s.packingIgnored()).isEqualTo(3);
        assertThat(s.admittedTokens()).isPositive();
        assertThat(sim.stats("r1").deployment("dep").packingIgnored()).isZero();
    }

    @Test
    void packingIgnore_singleRequest_answeredAsUsual() {
        assertThat(content(post("hostile", chat(TRANSLATE, "abc", 10)))).isEqualTo("[translated] cba");
        assertThat(sim.stats("r1").deployment("hostile").packingIgnored()).isZero();
    }

    @Test
    void setPacking_runtimeSwitch_ignoresThenFollowsAgain() {
        sim.setPacking("r1", "dep", PackingMode.IGNORE);
        assertThat(PackingProtocol.unpack(packedContent("dep", FIVE), 5).failed()).isEqualTo(all(5));
        sim.setPacking("r1", "dep", PackingMode.FOLLOW);
        assertThat(packedContent("dep", FIVE)).isEqualTo(FakeModel.packedReply(TRANSLATE, FIVE));
        assertThat(sim.stats("r1").deployment("dep").packingIgnored()).isEqualTo(1);
    }

    @Test
    void adminEndpoint_packing_setAtRuntimeAndValidated() {
        String url = sim.endpoint("r1") + "/sim/admin/packing";
        HttpResponse<Buffer> set = await(http.client.postAbs(url).putHeader("api-key", KEY)
                .sendJsonObject(new JsonObject().put("deployment", "hostile").put("packing", "follow")));
        assertThat(set.statusCode()).isEqualTo(200);
        assertThat(set.bodyAsJsonObject()).isEqualTo(new JsonObject().put("deployment", "hostile")
                .put("packing", "follow"));
        assertThat(packedContent("hostile", FIVE)).isEqualTo(FakeModel.packedReply(TRANSLATE, FIVE));

        HttpResponse<Buffer> bad = await(http.client.postAbs(url).putHeader("api-key", KEY)
                .sendJsonObject(new JsonObject().put("deployment", "hostile").put("packing", "sometimes")));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.bodyAsJsonObject().getJsonObject("error").getString("message"))
                .isEqualTo("packing must be \"follow\" or \"ignore\", got sometimes");
        HttpResponse<Buffer> noDeployment = await(http.client.postAbs(url).putHeader("api-key", KEY)
                .sendJsonObject(new JsonObject().put("packing", "ignore")));
        assertThat(noDeployment.statusCode()).as("the region has several deployments").isEqualTo(400);
    }
}
