package io.tally.it;

import io.tally.Tally;
import io.tally.config.Settings;
import io.tally.config.SettingsLoader;
import io.tally.kafka.EmbeddedKafka;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dashboard in a real headless Chromium against one Tally instance on a real broker: a record
 * looked up shows its exact balance, a day chart of that record draws one point per bucket, and an
 * API error reaches the page as the API's own code and message.
 */
class DashboardBrowserTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    // Debian's packages (.ci/run installs them): no driver download, no network at test time.
    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final Duration PAGE_TIMEOUT = Duration.ofSeconds(15);
    // 2^53 + 1 and cents: a float would show 9007199254740994, so only the exact string passes.
    private static final String WALLET = "dash-1";
    private static final String BALANCE = "9007199254740993.25";

    @TempDir
    static Path dir;
    private static EmbeddedKafka broker;
    private static Tally tally;
    private static String base;
    private static WebDriver browser;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedKafka.start(dir.resolve("kafka"), 0);
        // Settings as a person writes them, so this test does not follow the settings records' shapes.
        Settings settings = SettingsLoader.fromMap(Map.of(
                "bootstrapServers", broker.bootstrapServers(),
                "stateDir", dir.resolve("state").toString(),
                "applicationId", "tally-dashboard-it",
                "topicPartitions", "2",
                "http", Map.of("host", "127.0.0.1", "port", "0", "syncTimeout", "20s")));
        tally = Tally.start(settings);
        base = "http://127.0.0.1:" + tally.httpPort();
        await().atMost(Duration.ofSeconds(60)).until(() -> get("/health/ready").statusCode() == 200);

        // Sync writes: each answers after its transaction has committed, so the reads below see all three.
        post("/v1/wallets/" + WALLET, "{\"balance\": \"9007199254740993.10\"}");
        post("/v1/wallets/" + WALLET + "/balance/add", "{\"amount\": \"0.20\"}");
        post("/v1/wallets/" + WALLET + "/balance/sub", "{\"amount\": \"0.05\"}");

        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM)
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (tally != null) {
            tally.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void showsTheLookedUpRecordsExactBalance() {
        lookUp(WALLET);

        awaitPage().untilAsserted(() ->
                assertThat(text("#record [data-field='balance']")).isEqualTo(BALANCE));
        assertThat(text("#record-version")).isEqualTo("3");
        assertThat(text("#record-changes")).isEqualTo("3");
        assertThat(browser.findElement(By.id("error")).isDisplayed()).isFalse();
    }

    @Test
    void chartsOneDayBucketPerPointForTheLookedUpRecord() {
        lookUp(WALLET);
        awaitPage().untilAsserted(() -> assertThat(browser.findElement(By.id("only-record")).isEnabled()).isTrue());
        assertThat(browser.findElement(By.id("only-record")).isSelected()).isTrue();
        assertThat(browser.findElement(By.id("field")).getDomProperty("value")).isEqualTo("balance");
        new Select(browser.findElement(By.id("period"))).selectByValue("day");
        WebElement last = browser.findElement(By.id("last"));
        last.clear();
        last.sendKeys("7");
        browser.findElement(By.id("draw")).click();

        awaitPage().untilAsserted(() ->
                assertThat(browser.findElement(By.id("chart")).getDomAttribute("data-points")).isEqualTo("7"));
        // The create and the two changes, all today (UTC) unless the test straddles midnight.
        List<WebElement> counts = browser.findElements(By.cssSelector("#rows tbody td.count"));
        assertThat(counts).hasSize(7);
        assertThat(counts.stream().mapToLong(cell -> Long.parseLong(cell.getDomProperty("textContent"))).sum()).isEqualTo(3);
        Object plotted = ((JavascriptExecutor) browser).executeScript(
                "return Chart.getChart('chart').data.datasets[1].data.reduce((a, b) => a + b, 0);");
        assertThat(((Number) plotted).longValue()).isEqualTo(3);
        assertThat(text("#chart-title")).contains("wallets.balance", "record " + WALLET);
    }

    @Test
    void showsTheApisErrorForAMissingRecord() {
        lookUp("nobody");

        awaitPage().untilAsserted(() -> assertThat(text("#error")).contains("404", "RECORD_NOT_FOUND", "wallets/nobody"));
        assertThat(browser.findElement(By.id("record")).isDisplayed()).isFalse();
    }

    /** Loads the dashboard afresh and looks up a wallet through its form. */
    private static void lookUp(String id) {
        browser.get(base + "/");
        assertThat(browser.findElement(By.id("resource")).getDomProperty("value")).isEqualTo("wallets");
        browser.findElement(By.id("record-id")).sendKeys(id);
        browser.findElement(By.id("lookup")).click();
    }

    /** Visible text of the first match, or null when nothing matches yet. */
    private static String text(String css) {
        return browser.findElements(By.cssSelector(css)).stream().findFirst().map(WebElement::getText).orElse(null);
    }

    private static org.awaitility.core.ConditionFactory awaitPage() {
        // The page re-renders its panels, so an element found a moment ago may be gone: look again.
        return await().atMost(PAGE_TIMEOUT).pollInterval(Duration.ofMillis(50))
                .ignoreExceptionsInstanceOf(StaleElementReferenceException.class);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void post(String path, String body) throws Exception {
        HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + " → " + response.body()).isEqualTo(200);
    }
}
