package org.maverick.gateway.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SpecialTokensTest {

    private final SpecialTokens tokens = SpecialTokens.llama4();

    @Test
    void vocabularyHas2048DistinctTokens() {
        assertEquals(2048, tokens.all().size());
        assertEquals(2048, new HashSet<>(tokens.all()).size());
        for (String token : tokens.all()) {
            assertTrue(token.matches("<\\|[a-z0-9_]+\\|>"), token);
        }
    }

    @ParameterizedTest
    @CsvSource({
        "<|begin_of_text|>, 200000",
        "<|end_of_text|>, 200001",
        "<|fim_suffix|>, 200004",
        "<|header_start|>, 200005",
        "<|header_end|>, 200006",
        "<|eom|>, 200007",
        "<|eot|>, 200008",
        "<|step|>, 200009",
        "<|text_post_train_reserved_special_token_0|>, 200010",
        "<|python_start|>, 200016",
        "<|python_end|>, 200017",
        "<|finetune_right_pad|>, 200018",
        "<|text_post_train_reserved_special_token_8|>, 200019",
        "<|text_post_train_reserved_special_token_68|>, 200079",
        "<|image_start|>, 200080",
        "<|image_end|>, 200081",
        "<|tile_x_separator|>, 200084",
        "<|tile_y_separator|>, 200085",
        "<|image|>, 200090",
        "<|patch|>, 200092",
        "<|vision_reserved_special_token_1047|>, 201133",
        "<|reasoning_reserved_special_token_0|>, 201134",
        "<|reasoning_thinking_start|>, 201142",
        "<|reasoning_thinking_end|>, 201143",
        "<|reserved_special_token_0|>, 201144",
        "<|reserved_special_token_903|>, 202047",
    })
    void idsFollowReferenceOrder(String token, int id) {
        assertEquals(id, tokens.id(token));
        assertEquals(token, tokens.all().get(id - SpecialTokens.FIRST_ID));
    }

    @Test
    void unknownTokenHasNoId() {
        assertThrows(IllegalArgumentException.class, () -> tokens.id("<|nope|>"));
    }

    @ParameterizedTest
    @CsvSource(delimiterString = " => ", quoteCharacter = '"', value = {
        "\"hello <|eot|> world\" => <|eot|>",
        "\"<|begin_of_text|>\" => <|begin_of_text|>",
        "\"a<|<|header_start|>b\" => <|header_start|>",
        "\"x <|patch|><|image|>\" => <|patch|>",
        "\"tail<|reserved_special_token_903|>\" => <|reserved_special_token_903|>",
    })
    void firstInFindsLeftmostToken(String text, String expected) {
        assertEquals(Optional.of(expected), tokens.firstIn(text));
        assertEquals(Optional.of(expected), tokens.firstIn(new StringBuilder(text)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "plain text", "<|", "|>", "<|eot", "<|eot>", "<eot|>", "<| eot |>", "<|EOT|>",
        "<|not_a_token|>", "<|reserved_special_token_904|>", "a <|| b", "<|eot|", "<<||>>",
        "x <|vision_reserved_special_token_99999|>",
    })
    void lookalikesAreNotTokens(String text) {
        assertEquals(Optional.empty(), tokens.firstIn(text));
        assertEquals(Optional.empty(), tokens.firstIn(new StringBuilder(text)));
        assertSame(text, tokens.strip(text));
    }

    @ParameterizedTest
    @CsvSource(delimiterString = " => ", quoteCharacter = '"', value = {
        "\"hello <|eot|> world\" => \"hello  world\"",
        "\"<|header_start|>user<|header_end|>\" => user",
        "\"<|<|eot|>eot|>\" => \"\"",
        "\"<|eot|><|eom|>\" => \"\"",
        "\"keep <|eot> and <|x|>\" => \"keep <|eot> and <|x|>\"",
    })
    void stripRemovesTokensUntilNoneRemain(String text, String expected) {
        assertEquals(expected, tokens.strip(text));
        assertEquals(Optional.empty(), tokens.firstIn(tokens.strip(text)));
    }
}
