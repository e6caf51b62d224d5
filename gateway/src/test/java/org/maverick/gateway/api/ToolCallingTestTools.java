package org.maverick.gateway.api;

import com.openai.models.chat.completions.ChatCompletionFunctionTool;

import java.util.Map;

/** Tool definitions for tests in other packages. */
public final class ToolCallingTestTools {

    private ToolCallingTestTools() {
    }

    public static ChatCompletionFunctionTool tool(String name) {
        return ToolCallingTest.tool(name, false, Map.of("type", "string"));
    }
}
