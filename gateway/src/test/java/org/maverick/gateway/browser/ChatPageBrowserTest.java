package org.maverick.gateway.browser;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.maverick.gateway.support.Pictures;
import org.maverick.gateway.support.StandInResource;
import org.maverick.standin.StandInCounters;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The chat page at {@code /} in headless Chromium (Debian's {@code chromium} and
 * {@code chromedriver}, nothing downloaded): answers grow token by token over SSE and over the
 * WebSocket, Stop cancels the generation at the Triton stand-in, pictures attached from the file input
 * or pasted show as thumbnails and reach the engine, and a screenshot of the page is saved to
 * {@code target/screenshots/chat-page.png}.
 */
@QuarkusTest
@QuarkusTestResource(StandInResource.class)
class ChatPageBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private static WebDriver browser;
    private static Path profile;

    @TestHTTPResource("/")
    URL page;

    @BeforeAll
    static void startBrowser() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            fail("The browser tests need Debian's Chromium and its driver at " + CHROMIUM + " and " + CHROMEDRIVER
                    + ": install them with `apt-get install -y chromium chromium-driver` (.ci/run does).");
        }
        profile = Files.createTempDirectory("chat-page-chromium");
        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--window-size=1100,1000",
                        "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    }

    @AfterAll
    static void stopBrowser() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted((a, b) -> b.compareTo(a)).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sse", "websocket"})
    void theAnswerGrowsTokenByTokenUntilItCompletes(String transport) throws Exception {
        open(transport);
        ask("Tell me about rivers. [standin:itl_ms=40] [standin:length=40]");

        // Look at the answer's length while it streams, until it is done: it must be seen at several
        // increasing lengths. The driver is used from this thread only.
        List<Integer> lengths = new ArrayList<>();
        try {
            await().atMost(Duration.ofSeconds(15)).pollInSameThread().pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(15)).until(() -> {
                        int length = answer().getText().length();
                        if (length > 0 && (lengths.isEmpty() || length > lengths.get(lengths.size() - 1))) {
                            lengths.add(length);
                        }
                        return "done".equals(state());
                    });
        } catch (ConditionTimeoutException e) {
            fail("the answer did not complete; status: " + text("status"), e);
        }
        int finalLength = answer().getText().length();
        lengths.removeIf(l -> l == finalLength);
        assertTrue(lengths.size() >= 3, "the answer was seen growing in steps before it completed: " + lengths);
        assertTrue(text("status").contains("stop"), text("status"));
        assertTrue(text("ttft").endsWith("ms"), text("ttft"));
        assertTrue(text("tps").endsWith("tokens/s"), text("tps"));
        assertTrue(Integer.parseInt(text("tokens")) > 0, text("tokens"));
        assertEquals("false", answer().getAttribute("aria-busy"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sse", "websocket"})
    void stopCancelsTheGenerationAtTheEngine(String transport) {
        StandInCounters counters = StandInResource.standIn().counters();
        long cancelledBefore = counters.cancelled();
        open(transport);
        ask("A long answer please. [standin:itl_ms=100] [standin:length=500]");
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> !answer().getText().isEmpty());

        browser.findElement(By.id("stop")).click();

        await().atMost(Duration.ofSeconds(3)).until(() -> counters.cancelled() > cancelledBefore);
        new WebDriverWait(browser, Duration.ofSeconds(5)).until(d -> "stopped".equals(state()));
        assertTrue(browser.findElement(By.id("send")).isEnabled());
        assertFalse(browser.findElement(By.id("stop")).isEnabled());
    }

    /**
     * A picture chosen in the file input (a PNG the test writes) shows as a thumbnail, goes with the prompt as
     * an image_url part, and the stand-in's answer (under [standin:images]) says what reached the engine.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sse", "websocket"})
    void anAttachedPictureShowsAThumbnailAndTheAnswerMentionsIt(String transport) throws Exception {
        Path file = Files.createTempFile("chat-page-picture", ".png");
        try {
            Files.write(file, Pictures.png(64, 48));
            open(transport);
            browser.findElement(By.id("images")).sendKeys(file.toAbsolutePath().toString());
            awaitThumbnails(1);
            assertEquals(64L, ((JavascriptExecutor) browser).executeScript(
                    "return document.querySelector('#thumbnails img').naturalWidth"), "the thumbnail shows the picture");

            ask("What is in this picture? [standin:images]");
            awaitDone();
            assertEquals("1 image: 64x48 image/png.", answer().getText());

            browser.findElement(By.cssSelector("#thumbnails button")).click();
            awaitThumbnails(0);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** A picture pasted into the prompt (a PNG drawn on a canvas, pasted as a clipboard file) is attached too. */
    @Test
    void aPastedPictureIsAttachedAndSent() {
        open("websocket");
        ((JavascriptExecutor) browser).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const canvas = document.createElement("canvas");
                canvas.width = 30;
                canvas.height = 20;
                canvas.getContext("2d").fillRect(0, 0, 30, 20);
                canvas.toBlob((blob) => {
                  const data = new DataTransfer();
                  data.items.add(new File([blob], "pasted.png", { type: "image/png" }));
                  document.getElementById("prompt").dispatchEvent(
                      new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
                  done();
                }, "image/png");
                """);
        awaitThumbnails(1);
        ask("Describe it [standin:images]");
        awaitDone();
        assertEquals("1 image: 30x20 image/png.", answer().getText());
    }

    /** A picture the gateway refuses (a text file named .png) ends the answer with its error, naming the part. */
    @Test
    void aRefusedPictureShowsTheGatewaysError() throws Exception {
        Path file = Files.createTempFile("chat-page-not-a-picture", ".png");
        try {
            Files.writeString(file, "this is text, not a picture");
            open("sse");
            browser.findElement(By.id("images")).sendKeys(file.toAbsolutePath().toString());
            awaitThumbnails(1);
            ask("What is this?");
            new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> "error".equals(state()));
            assertTrue(text("status").contains("messages[0].content[1].image_url"), text("status"));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private void awaitThumbnails(int count) {
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d ->
                d.findElements(By.cssSelector("#thumbnails img")).size() == count);
    }

    private void awaitDone() {
        try {
            new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> "done".equals(state()));
        } catch (org.openqa.selenium.TimeoutException e) {
            fail("the answer did not complete; status: " + text("status"), e);
        }
    }

    @Test
    void thePageLooksRightAfterAnAnswer() throws Exception {
        open("websocket");
        assertEquals("llama-4-maverick", browser.findElement(By.id("model")).getDomProperty("value"),
                "the model field defaults to GET /v1/models");
        ask("Tell me about rivers. [standin:itl_ms=5] [standin:length=60]");
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> "done".equals(state()));

        Path dir = Path.of("target", "screenshots");
        Files.createDirectories(dir);
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path target = dir.resolve("chat-page.png");
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        assertTrue(Files.size(target) > 10_000, "a real screenshot was written to " + target.toAbsolutePath());
    }

    /** Loads the page fresh, waits for the model id from /v1/models and picks the transport. */
    private void open(String transport) {
        browser.get(page.toString());
        new WebDriverWait(browser, Duration.ofSeconds(10))
                .until(d -> !d.findElement(By.id("model")).getDomProperty("value").isEmpty());
        browser.findElement(By.cssSelector("input[name=transport][value=" + transport + "]")).click();
    }

    private void ask(String prompt) {
        WebElement field = browser.findElement(By.id("prompt"));
        field.clear();
        field.sendKeys(prompt);
        browser.findElement(By.id("send")).click();
    }

    private WebElement answer() {
        return browser.findElement(By.id("answer"));
    }

    private String state() {
        return answer().getDomAttribute("data-state");
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }
}
