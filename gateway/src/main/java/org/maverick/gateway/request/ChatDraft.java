package org.maverick.gateway.request;

import io.smallrye.mutiny.Uni;
import org.maverick.gateway.generation.Generation;
import org.maverick.gateway.image.CheckedImage;
import org.maverick.gateway.image.ImageIntake;
import org.maverick.gateway.image.ImageSource;

import java.util.List;
import java.util.function.Function;

/**
 * A chat request validated except for its pictures: the prompt is rendered with one {@code <|image|>}
 * per picture, and what is left is to check the pictures and count their tiles, which needs their
 * bytes decoded (off the event loop) and, for URLs, fetched.
 *
 * @param images the pictures in prompt order; empty for a text-only request
 */
public record ChatDraft(List<ImageSource> images, Function<List<CheckedImage>, Generation> finish) {

    public ChatDraft {
        images = List.copyOf(images);
    }

    /**
     * The generation, given the checked pictures in {@link #images}' order: their tokens are added to the
     * prompt's, and the context check and output limit are applied to the sum.
     */
    public Generation complete(List<CheckedImage> checked) {
        if (checked.size() != images.size()) {
            throw new IllegalArgumentException(images.size() + " images expected, got " + checked.size());
        }
        return finish.apply(checked);
    }

    /** Checks the pictures with {@code intake} and completes; immediate for a text-only request. */
    public Uni<Generation> resolve(ImageIntake intake) {
        if (images.isEmpty()) {
            return Uni.createFrom().item(() -> complete(List.of()));
        }
        return intake.resolve(images).map(this::complete);
    }
}
