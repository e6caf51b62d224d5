/**
 * The prompt stage: from validated chat turns to the text sent to the model, and from the
 * model's output back to client deltas.
 *
 * <ul>
 *   <li>{@link org.maverick.gateway.prompt.Llama4ChatTemplate} renders {@link
 *       org.maverick.gateway.prompt.ChatTurn}s in the Llama 4 layout, also as {@link
 *       org.maverick.gateway.prompt.Segment}s for exact counting;</li>
 *   <li>{@link org.maverick.gateway.prompt.SpecialTokens} is the 2,048-token special
 *       vocabulary, used to find special-token strings in user text;</li>
 *   <li>{@link org.maverick.gateway.prompt.TextAssembler} turns cumulative or byte-delta
 *       backend output into deltas, honouring {@link org.maverick.gateway.prompt.StopStrings}
 *       and UTF-8 boundaries;</li>
 *   <li>{@link org.maverick.gateway.prompt.TokenCounter} counts tokens exactly ({@link
 *       org.maverick.gateway.prompt.TiktokenCounter}) or by estimate ({@link
 *       org.maverick.gateway.prompt.EstimatingCounter}).</li>
 * </ul>
 *
 * <p>Everything here but {@link org.maverick.gateway.prompt.PromptBeans} is plain Java without
 * framework annotations; {@code PromptBeans} wires those classes as beans from configuration. Public
 * APIs take and return no nulls.
 */
package org.maverick.gateway.prompt;
