package org.maverick.gateway.image;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The tile grid and token cost of pictures of every shape, against figures worked out by hand from the
 * image processor's rules (docs/reference.md, "Images") and the two of Meta's prompt-format doc.
 */
class Llama4TilingTest {

    @ParameterizedTest(name = "{0}x{1} -> {2}x{3} tiles, {4} tokens")
    @CsvSource({
            // tiny: scaled up until a side reaches 336, one tile
            "1, 1, 1, 1, 147",
            "16, 16, 1, 1, 147",
            "300, 200, 1, 1, 147",
            // exactly one tile
            "336, 336, 1, 1, 147",
            // square, one pixel over a tile: 2x2, Meta's 2x2 example costs 727
            "337, 337, 2, 2, 727",
            "1024, 1024, 4, 4, 2467",
            // wide
            "640, 480, 2, 2, 727",
            "800, 600, 2, 3, 1017",
            "1000, 700, 3, 3, 1452",
            "1920, 1080, 3, 5, 2322",
            "4000, 3000, 3, 4, 1887",
            "2000, 100, 1, 6, 1017",
            // tall: the transpose of wide costs the same
            "480, 640, 2, 2, 727",
            "600, 800, 3, 2, 1017",
            "100, 2000, 6, 1, 1017",
            // huge: at most 16 tiles whatever the size
            "8192, 8192, 4, 4, 2467",
            "10000, 10, 1, 16, 2467",
    })
    void gridAndTokens(int width, int height, int rows, int cols, int tokens) {
        Llama4Tiling.Grid grid = Llama4Tiling.grid(width, height);
        assertEquals(new Llama4Tiling.Grid(rows, cols), grid);
        assertEquals(tokens, grid.tokens());
        assertEquals(tokens, Llama4Tiling.tokens(width, height));
    }

    @Test
    void oneTileIs147AndMoreAre147Plus145Each() {
        assertEquals(147, new Llama4Tiling.Grid(1, 1).tokens());
        for (int rows = 1; rows <= 4; rows++) {
            for (int cols = 1; cols <= 4; cols++) {
                int n = rows * cols;
                if (n > 1) {
                    // 3 markers + global view + n tiles of 144 + (n - rows) x-separators + rows y-separators
                    assertEquals(3 + 144 + 144 * n + (n - rows) + rows, new Llama4Tiling.Grid(rows, cols).tokens());
                    assertEquals(147 + 145 * n, new Llama4Tiling.Grid(rows, cols).tokens());
                }
            }
        }
    }

    @Test
    void refusesEmptyPictures() {
        assertThrows(IllegalArgumentException.class, () -> Llama4Tiling.grid(0, 10));
        assertThrows(IllegalArgumentException.class, () -> Llama4Tiling.grid(10, -1));
    }
}
