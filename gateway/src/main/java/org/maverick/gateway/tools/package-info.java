/**
 * Tool calling: OpenAI's {@code tools} in, Llama 4 tool prompts, calls parsed out of the streamed answer.
 *
 * <ul>
 *   <li>{@link org.maverick.gateway.tools.ToolRequests} reads and checks the request's tool fields into a
 *       {@link org.maverick.gateway.tools.ToolSet};</li>
 *   <li>{@link org.maverick.gateway.tools.ToolPrompt} writes tools, history calls and the prefill in the pythonic
 *       (Meta) or JSON (checkpoint template) style, and gives the {@link org.maverick.gateway.generation.ToolUse}
 *       that travels with the generation; {@link org.maverick.gateway.tools.ToolHistory} checks the history;</li>
 *   <li>{@link org.maverick.gateway.tools.ToolCallParser} reads calls out of the answer as it streams, with
 *       {@link org.maverick.gateway.tools.PythonLiterals} and {@link org.maverick.gateway.tools.StrictArguments}.</li>
 * </ul>
 *
 * <p>Sits above {@code prompt}, {@code generation} and {@code config}, below {@code request} and
 * {@code backend.triton}, which use it. Facts and sources: {@code docs/tool-calling.md}.
 */
package org.maverick.gateway.tools;
