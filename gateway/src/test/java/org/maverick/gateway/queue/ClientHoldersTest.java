package org.maverick.gateway.queue;

import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which control partition each held request is listed in: the one its own control records go to. */
class ClientHoldersTest {

    @Test
    void everyPartitionGetsAListingAndEachRequestIsListedInItsOwnPartition() {
        List<String> ids = List.of("chatcmpl-a", "chatcmpl-b", "chatcmpl-c", "cmpl-d", "chatcmpl-e");
        List<List<String>> lists = ClientHolders.byPartition(ids, 12);
        assertEquals(12, lists.size(), "empty partitions too: they say the instance is alive");
        for (int p = 0; p < 12; p++) {
            for (String id : lists.get(p)) {
                assertEquals(p, ClientHolders.partitionOf(id, 12));
            }
        }
        assertEquals(ids.size(), lists.stream().mapToInt(List::size).sum());
    }

    @Test
    void thePartitionIsTheOneKafkasProducerPicksForTheRequestIdKey() {
        for (String id : List.of("chatcmpl-7f3a2c9e1b", "x", "cmpl-81d0e5aa42", "chatcmpl-0")) {
            for (int partitions : new int[]{1, 3, 12}) {
                assertEquals(BuiltInPartitioner.partitionForKey(id.getBytes(StandardCharsets.UTF_8), partitions),
                        ClientHolders.partitionOf(id, partitions), id + " of " + partitions);
            }
        }
    }
}
