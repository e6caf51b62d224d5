package org.maverick.benchmark.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.maverick.standin.text.Stamp;

class StampsTest {

    @Test
    void markersAreReportedInOrderAndStripped() {
        List<Long> times = new ArrayList<>();
        String text = Stamps.strip("[[ts=1700000000000000001]] The river[[ts=1700000000000000002]] flows.", times::add);
        assertEquals(" The river flows.", text);
        assertEquals(List.of(1700000000000000001L, 1700000000000000002L), times);
    }

    @Test
    void theStandInsOwnMarkerFormatIsUnderstood() {
        long now = Stamp.nowEpochNanos();
        List<Long> times = new ArrayList<>();
        assertEquals(" word", Stamps.strip(Stamp.marker(now) + " word", times::add));
        assertEquals(List.of(now), times);
    }

    @Test
    void textWithoutMarkersOrWithMalformedOnesIsLeftAlone() {
        List<Long> times = new ArrayList<>();
        assertEquals("plain [text]", Stamps.strip("plain [text]", times::add));
        assertEquals("[[ts=]] [[ts=12 [[ts=x]]", Stamps.strip("[[ts=]] [[ts=12 [[ts=x]]", times::add));
        assertEquals("a[[ts=b", Stamps.strip("a[[ts=[[ts=5]]b", times::add));
        assertEquals(List.of(5L), times);
    }

    @Test
    void chunkReaderFindsContentUsageErrorsAndDone() {
        assertEquals("Hi", ChunkReader.read("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}").content());
        assertEquals("", ChunkReader.read("{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}").content());
        assertEquals("x", ChunkReader.read("{\"choices\":[{\"text\":\"x\",\"index\":0}]}").content());
        assertEquals(87, ChunkReader.read("{\"choices\":[],\"usage\":{\"completion_tokens\":87}}").completionTokens());
        assertEquals("error event: backend_error boom",
                ChunkReader.read("{\"error\":{\"message\":\"boom\",\"code\":\"backend_error\"}}").error());
        assertEquals(true, ChunkReader.read("[DONE]").done());
    }
}
