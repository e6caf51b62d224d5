package org.maverick.gateway.queue.worker;

import org.junit.jupiter.api.Test;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.ToolUse;
import org.maverick.gateway.prompt.EstimatingCounter;
import org.maverick.gateway.prompt.TokenCounter;
import org.maverick.gateway.queue.Continuation;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** A request another attempt had begun goes on from what was sent, within its budget, never repeating a call. */
class TakeoverTest {

    private static final TokenCounter ESTIMATE = new EstimatingCounter();

    private static Generation generation(int maxTokens, ToolUse tools) {
        return new Generation("r-1", "llama-4-maverick", Generation.Kind.CHAT, "PROMPT", 100, false,
                new Generation.Sampling(maxTokens, 0, 1, 0, 0, OptionalLong.empty()), List.of(), true, false, 1L,
                Generation.Dispatch.DIRECT, "anonymous", tools);
    }

    @Test
    void continuesAfterWhatWasSentWithTheBudgetLeftCountedByTheEngine() {
        Continuation sent = new Continuation("Once upon a time", 5, false, 4, "", 0);
        var next = assertInstanceOf(Takeover.Continue.class, Takeover.plan(generation(10, ToolUse.NONE), sent, ESTIMATE));
        assertEquals(4, next.alreadySentTokens(), "the engine's count, not an estimate");
        assertEquals("PROMPTOnce upon a time", next.generation().prompt());
        assertEquals(6, next.generation().sampling().maxTokens());
        assertEquals(104, next.generation().promptTokens());
    }

    @Test
    void aBudgetSpentEndsTheAnswerWithLength() {
        Continuation sent = new Continuation("abcdefgh", 9, false, 10, "", 0);
        var finish = assertInstanceOf(Takeover.Finish.class, Takeover.plan(generation(10, ToolUse.NONE), sent, ESTIMATE));
        assertEquals("length", finish.reason());
        assertEquals(10, finish.usage().completionTokens());
        assertEquals(100, finish.usage().promptTokens());
    }

    @Test
    void callsAlreadySentEndTheAnswerWithToolCallsNeverAgain() {
        Continuation sent = new Continuation("", 3, false, 7, "", 2);
        var finish = assertInstanceOf(Takeover.Finish.class, Takeover.plan(generation(100, ToolUse.NONE), sent, ESTIMATE));
        assertEquals("tool_calls", finish.reason());
        assertEquals(7, finish.usage().completionTokens());
    }

    @Test
    void aPrefillRelayedAsTextIsNotContinuedTwice() {
        ToolUse tools = new ToolUse(Map.of("get_weather", "get_weather"), "[get_weather(", true, Map.of());
        Continuation sent = new Continuation("[get_weather(city=", 4, false, 0, "[get_weather(city=", 0);
        var next = assertInstanceOf(Takeover.Continue.class, Takeover.plan(generation(100, tools), sent, ESTIMATE));
        assertEquals("city=", next.previous().text(), "the prefill is in the prompt already");
        assertEquals("", next.generation().tools().prefill(), "the new attempt's parser does not read it again");
        assertEquals("PROMPTcity=", next.generation().prompt());
    }
}
