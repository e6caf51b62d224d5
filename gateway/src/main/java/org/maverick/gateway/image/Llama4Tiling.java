package org.maverick.gateway.image;

/**
 * How Llama 4's image processor cuts a picture into 336x336 tiles, and how many prompt tokens the
 * picture then costs. A re-implementation of {@code get_best_fit} in transformers'
 * {@code image_processing_llama4(_fast).py} (checkpoint defaults: tile 336, {@code max_patches} 16,
 * {@code resize_to_max_canvas} false) and of the placeholder expansion in {@code processing_llama4.py};
 * docs/reference.md ("Images") has the sources and worked examples.
 *
 * <p>Grid choice: every (rows, cols) with rows*cols &lt;= 16 is a canvas of (336 rows) x (336 cols). Its
 * scale is {@code min(336 rows / height, 336 cols / width)}. If some canvas needs no shrinking (scale
 * &gt;= 1) the one with the smallest such scale wins (the image is upscaled least); otherwise the one
 * with the largest scale (it is shrunk least). Ties go to the smallest area. The processor computes the
 * scales in float32, so this does too: a tie in float32 that is no tie in double would pick another
 * grid.
 *
 * <p>Tokens: one tile is {@code <|image_start|><|image|>} + 144 {@code <|patch|>} + {@code <|image_end|>}
 * = 147. N = rows*cols &gt; 1 tiles are {@code <|image_start|>}, each row's tiles (144 patches each)
 * joined by {@code <|tile_x_separator|>} with a {@code <|tile_y_separator|>} after each row, then the
 * global view {@code <|image|>} + 144 patches, then {@code <|image_end|>}: 3 + 144 + 144 N + (N - rows)
 * + rows = 147 + 145 N.
 */
public final class Llama4Tiling {

    /** Side of one tile in pixels. */
    public static final int TILE = 336;
    /** Most tiles per image (the processor's {@code max_patches}). */
    public static final int MAX_TILES = 16;
    /** Patch tokens per tile: (336 / 14)^2 patches, pixel-shuffled by 0.5 in each direction. */
    public static final int PATCH_TOKENS = 144;

    private Llama4Tiling() {
    }

    /** The grid an image of {@code width} x {@code height} pixels is cut into. */
    public record Grid(int rows, int cols) {
        public int tiles() {
            return rows * cols;
        }

        /** Prompt tokens the image's placeholder expands to. */
        public int tokens() {
            int n = tiles();
            return n == 1 ? 3 + PATCH_TOKENS : 3 + PATCH_TOKENS + PATCH_TOKENS * n + n;
        }
    }

    public static Grid grid(int width, int height) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image dimensions must be positive: " + width + "x" + height);
        }
        float bestUp = Float.POSITIVE_INFINITY;
        Grid up = null;
        float bestDown = Float.NEGATIVE_INFINITY;
        Grid down = null;
        // Rows outer, cols inner, area ties broken explicitly: the order of candidates does not matter.
        for (int rows = 1; rows <= MAX_TILES; rows++) {
            for (int cols = 1; rows * cols <= MAX_TILES; cols++) {
                float scaleH = (float) (TILE * rows) / (float) height;
                float scaleW = (float) (TILE * cols) / (float) width;
                float scale = Math.min(scaleH, scaleW);
                Grid g = new Grid(rows, cols);
                if (scale >= 1f) {
                    if (scale < bestUp || (scale == bestUp && g.tiles() < up.tiles())) {
                        bestUp = scale;
                        up = g;
                    }
                } else if (scale > bestDown || (scale == bestDown && g.tiles() < down.tiles())) {
                    bestDown = scale;
                    down = g;
                }
            }
        }
        return up != null ? up : down;
    }

    /** Prompt tokens of one image of {@code width} x {@code height} pixels. */
    public static int tokens(int width, int height) {
        return grid(width, height).tokens();
    }
}
