package org.maverick.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.maverick.standin.TritonClient.ensemble;
import static org.maverick.standin.TritonClient.llmapi;
import static org.maverick.standin.TritonClient.text;

import inference.GrpcService.ModelStreamInferResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.maverick.standin.text.Stamp;

class StampDirectiveTest {

    static final Pattern MARKER = Pattern.compile("\\[\\[ts=(\\d+)]]");

    TritonStandIn standIn;
    TritonClient client;

    @BeforeEach
    void start() throws Exception {
        standIn = TritonStandIn.builder().port(0).timing(Timing.fast()).build().start();
        client = new TritonClient(standIn.port());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        standIn.close();
    }

    @Test
    void everyLlmapiResponseAddsOneMarkerWithItsSendTimeAheadOfItsTokens() throws Exception {
        long before = Stamp.nowEpochNanos();
        List<ModelStreamInferResponse> rs = client.open()
                .send(llmapi("r1", "Tell me about rivers. [standin:length=21] [standin:stamp]", true, 100, 7).build())
                .untilFinal();
        long after = Stamp.nowEpochNanos();
        String previous = "";
        long previousStamp = 0;
        for (ModelStreamInferResponse r : rs) {
            String t = text(r, "text_output");
            assertTrue(t.startsWith(previous), "cumulative text only grows");
            String delta = t.substring(previous.length());
            Matcher m = MARKER.matcher(delta);
            assertTrue(m.lookingAt(), "the new text starts with its marker: " + delta);
            long stamp = Long.parseLong(m.group(1));
            assertTrue(stamp >= before && stamp <= after && stamp >= previousStamp);
            long sendTime = r.getInferResponse().getParametersMap().get("standin_send_time_ns").getInt64Param();
            assertTrue(sendTime >= stamp && sendTime - stamp < 50_000_000L, "marker and parameter agree");
            assertEquals(1, MARKER.matcher(delta).results().count());
            previous = t;
            previousStamp = stamp;
        }
        // Markers are not tokens: the text without them is an answer of exactly 21 tokens.
        String plain = MARKER.matcher(previous).replaceAll("");
        assertEquals(21, plain.split("(?=[ ,.!])").length);
        assertEquals(1 + 10, rs.size(), "one token, then ten responses of two");
        assertTrue(plain.endsWith("."));
    }

    @Test
    void ensembleDeltasCarryTheMarkerToo() throws Exception {
        List<ModelStreamInferResponse> rs = client.open()
                .send(ensemble("e1", "Hi [standin:length=9] [standin:stamp]", true, 50).build())
                .untilFinal();
        List<Long> stamps = new ArrayList<>();
        StringBuilder all = new StringBuilder();
        for (ModelStreamInferResponse r : rs) {
            String delta = new String(TritonClient.bytesOutput(r, "text_output"), StandardCharsets.UTF_8);
            all.append(delta);
            MARKER.matcher(delta).results().forEach(m -> stamps.add(Long.parseLong(m.group(1))));
        }
        assertEquals(5, stamps.size(), "1 + 2 + 2 + 2 + 2 tokens in five responses");
        assertEquals(9, MARKER.matcher(all).replaceAll("").split("(?=[ ,.!])").length);
    }

    @Test
    void withoutTheDirectiveThereIsNoMarker() throws Exception {
        List<ModelStreamInferResponse> rs = client.open()
                .send(llmapi("r1", "Tell me about rivers. [standin:length=10]", true, 100, 7).build()).untilFinal();
        assertTrue(rs.stream().noneMatch(r -> text(r, "text_output").contains(Stamp.OPEN)));
    }
}
