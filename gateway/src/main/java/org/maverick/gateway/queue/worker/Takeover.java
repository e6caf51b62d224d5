package org.maverick.gateway.queue.worker;

import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.generation.ToolUse;
import org.maverick.gateway.prompt.TokenCounter;
import org.maverick.gateway.protocol.UsageDto;
import org.maverick.gateway.queue.Continuation;

/**
 * How a request that another attempt had begun goes on (its worker died, or its partition moved): from
 * the text already sent, never repeating it and never sending a tool call twice or in part. Pure: any
 * thread.
 */
final class Takeover {

    private Takeover() {
    }

    /** What the next attempt does. */
    sealed interface Plan permits Finish, Continue {
    }

    /** Nothing is left to generate: the answer ends here, with this finish reason and usage. */
    record Finish(String reason, UsageDto usage) implements Plan {
    }

    /**
     * Generate on: {@code generation} continues from the text already sent (in its prompt), within what is
     * left of the token budget; {@code previous} is what was sent, as the new attempt's usage counts it.
     */
    record Continue(Generation generation, Continuation previous, int alreadySentTokens) implements Plan {
    }

    static Plan plan(Generation generation, Continuation previous, TokenCounter tokens) {
        int promptTokens = generation.promptTokens();
        if (previous.toolCalls() > 0) {
            // Calls already went out whole. Continuing would make the model write its call list again from a
            // prompt that lacks it; the answer ends here instead: every call sent once, none half.
            int sent = previous.tokens(tokens);
            return new Finish("tool_calls", new UsageDto(promptTokens, sent, promptTokens + sent));
        }
        ToolUse t = generation.tools();
        if (t.enabled() && !t.prefill().isEmpty() && previous.text().startsWith(t.prefill())) {
            // The prefill (the start of a call the prompt ends with) was relayed as text: it is in the prompt
            // already, so the continuation starts after it, and the new attempt's parser does not read it again.
            generation = generation.withTools(new ToolUse(t.callable(), "", t.parallel(), t.strictSchemas()));
            String uncounted = previous.uncountedText().startsWith(t.prefill())
                    ? previous.uncountedText().substring(t.prefill().length()) : previous.uncountedText();
            previous = new Continuation(previous.text().substring(t.prefill().length()), previous.nextSeq(), false,
                    previous.countedTokens(), uncounted, 0);
        }
        int sent = previous.tokens(tokens);
        int left = generation.sampling().maxTokens() - sent;
        if (left <= 0) {
            return new Finish("length", new UsageDto(promptTokens, sent, promptTokens + sent));
        }
        return new Continue(generation.continuing(generation.prompt() + previous.text(), promptTokens + sent, left),
                previous, sent);
    }
}
