package org.maverick.gateway.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RoleTest {

    @ParameterizedTest
    @CsvSource({
        "system, SYSTEM", "developer, SYSTEM", "user, USER", "assistant, ASSISTANT",
        "tool, IPYTHON", "ipython, IPYTHON"
    })
    void wireNamesAndOpenAiAliasesMapToRoles(String wire, Role expected) {
        assertEquals(Optional.of(expected), Role.fromWire(wire));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "User", "function", "bot"})
    void unknownNamesAreEmpty(String wire) {
        assertTrue(Role.fromWire(wire).isEmpty());
    }

    @ParameterizedTest
    @CsvSource({"SYSTEM, system", "USER, user", "ASSISTANT, assistant", "IPYTHON, ipython"})
    void wireNameIsLlamaHeaderName(Role role, String wire) {
        assertEquals(wire, role.wireName());
    }
}
