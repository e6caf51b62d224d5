package org.maverick.gateway.image;

import java.util.Optional;

/**
 * One {@code image_url} content part as the request named it, checked for shape only: either the bytes
 * of a {@code data:} URI (base64 already decoded, within the size limit) or an {@code https} URL still
 * to be fetched (by {@link ImageFetcher}).
 *
 * @param param the content part, {@code messages[i].content[j].image_url}, named by every refusal
 */
public record ImageSource(String param, Optional<byte[]> inline, Optional<FetchUrl> remote) {
}
