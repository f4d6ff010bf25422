package io.qingliao.examples.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.qingliao.core.RoomName;
import io.qingliao.server.ChatServer;
import java.io.File;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.UnexpectedAlertBehaviour;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page served at GET / in real headless Chromium windows, against a real
 * {@link ChatServer} on random ports. Needs Debian's chromium and chromium-driver: without
 * them the tests fail when {@code CI} is set and are skipped otherwise. Screenshots and the
 * DOM of every window are saved under target/screenshots when a test fails.
 */
@ExtendWith(WebPageBrowserTest.SaveScreenshotsOnFailure.class)
class WebPageBrowserTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String ROOM = "lobby";
  private static final String SHOWN_TEXTS =
      "return Array.from(document.querySelectorAll('.room-log:not([hidden]) .msg:not(.pending) .text'))"
          + ".map(e => e.textContent);";

  @TempDir Path data;
  @TempDir Path profiles;

  private ChatServer server;
  private final List<WebDriver> windows = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void requireChromium() {
    List<String> missing = new ArrayList<>();
    if (!Files.isExecutable(CHROMIUM)) {
      missing.add(CHROMIUM.toString());
    }
    if (!Files.isExecutable(CHROMEDRIVER)) {
      missing.add(CHROMEDRIVER.toString());
    }
    if (!missing.isEmpty()) {
      String message = "chromium not installed: " + String.join(", ", missing)
          + " missing (apt-get install -y chromium chromium-driver)";
      String ci = System.getenv("CI");
      if (ci != null && !ci.isBlank()) {
        fail(message);
      }
      assumeTrue(false, message);
    }
    // Use the installed driver; Selenium Manager would try to download one.
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
  }

  @BeforeEach
  void startServer() {
    server = ChatServer.builder().host("127.0.0.1").wsPort(0).httpPort(0).sqliteStore(data).build().start();
  }

  @AfterEach
  void stopEverything() {
    synchronized (windows) {
      for (WebDriver window : windows) {
        window.quit();
      }
      windows.clear();
    }
    if (server != null) {
      server.stop(Duration.ofSeconds(5));
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void messageTypedInOneWindowAppearsInTheOther() {
    WebDriver alice = open("alice");
    // the short form: ?ws=PORT on the page's own host
    WebDriver bob = openWith("bob", ROOM, String.valueOf(server.wsPort()));

    alice.findElement(By.id("input")).sendKeys("你好，世界", Keys.ENTER);
    waitForText(bob, "你好，世界");
    WebElement atBob = lastMessage(bob);
    assertThat(atBob.getDomAttribute("class")).doesNotContain("self");
    assertThat(atBob.findElement(By.cssSelector(".nick")).getText()).isEqualTo("alice");
    assertThat(atBob.findElement(By.cssSelector(".avatar")).getText()).isEqualTo("a");
    waitForText(alice, "你好，世界");
    assertThat(lastMessage(alice).getDomAttribute("class")).contains("self");
    assertThat(alice.findElement(By.id("input")).getDomProperty("value")).isEmpty();

    bob.findElement(By.id("input")).sendKeys("收到");
    bob.findElement(By.id("send")).click();
    waitForText(alice, "收到");

    assertThat(shownTexts(alice)).containsExactly("你好，世界", "收到");
    assertThat(shownTexts(bob)).containsExactly("你好，世界", "收到");
    assertThat(alice.findElement(By.id("input")).getDomAttribute("placeholder")).isEqualTo("在这里输入消息...");
    assertThat(alice.findElement(By.id("send")).getText()).isEqualTo("发送");
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void systemNoticeAppearsWhenSomeoneJoinsAndLeaves() {
    WebDriver alice = open("alice");
    WebDriver bob = open("bob");

    waitUntil(alice, "a join notice", d -> systemTexts(d).contains("bob 加入了房间"));
    waitUntil(alice, "bob in the member list", d -> memberNames(d).contains("bob"));
    assertThat(memberNames(alice)).containsExactlyInAnyOrder("alice", "bob");
    assertThat(alice.findElement(By.id("member-count")).getDomProperty("textContent")).isEqualTo("2");

    bob.quit();
    windows.remove(bob);
    waitUntil(alice, "a leave notice", d -> systemTexts(d).contains("bob 离开了房间"));
    waitUntil(alice, "bob gone from the member list", d -> !memberNames(d).contains("bob"));
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void nickChangeIsAnnouncedAndRemembered() {
    WebDriver alice = open("alice");
    WebDriver bob = open("bob");

    WebElement nick = alice.findElement(By.id("nick"));
    nick.sendKeys(Keys.chord(Keys.CONTROL, "a"), "阿丽", Keys.ENTER);
    waitUntil(bob, "the nick notice", d -> systemTexts(d).contains("alice 改名为 阿丽"));
    waitUntil(bob, "the new nick in the member list", d -> memberNames(d).contains("阿丽"));
    assertThat(memberNames(bob)).doesNotContain("alice");

    alice.findElement(By.id("input")).sendKeys("新名字", Keys.ENTER);
    waitForText(bob, "新名字");
    assertThat(lastMessage(bob).findElement(By.cssSelector(".nick")).getText()).isEqualTo("阿丽");
    assertThat(lastMessage(bob).findElement(By.cssSelector(".avatar")).getText()).isEqualTo("阿");
    assertThat(((JavascriptExecutor) alice).executeScript("return localStorage.getItem('qingliao.nick')"))
        .isEqualTo("阿丽");
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void markupTypedByAUserIsShownAsText() {
    WebDriver alice = open("alice");
    WebDriver bob = open("bob");
    String img = "<img src=x onerror=alert(1)>";
    String script = "<script>document.body.dataset.pwned='1'</script><b>粗体</b>";

    alice.findElement(By.id("input")).sendKeys(img, Keys.ENTER);
    alice.findElement(By.id("input")).sendKeys(script, Keys.ENTER);
    waitForText(bob, script);

    for (WebDriver window : List.of(alice, bob)) {
      assertNoAlert(window);
      assertThat(shownTexts(window)).containsExactly(img, script);
      JavascriptExecutor js = (JavascriptExecutor) window;
      assertThat(js.executeScript("return document.querySelectorAll('#messages img, #messages script, #messages b').length"))
          .isEqualTo(0L);
      assertThat(js.executeScript("return document.body.dataset.pwned || ''")).isEqualTo("");
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void afterAServerRestartThePageReconnectsAndShowsWhatItMissedOnce() throws Exception {
    WebDriver alice = open("alice");
    alice.findElement(By.id("input")).sendKeys("重启之前", Keys.ENTER);
    waitForText(alice, "重启之前");
    int wsPort = server.wsPort();
    int httpPort = server.httpPort();

    server.stop(Duration.ofSeconds(5));
    server = null;
    waitUntil(alice, "the page to show the drop",
        d -> "已断开，重连中…".equals(d.findElement(By.id("status")).getText()));
    // Stay down ~4 s: the page's backoff (0.5, 1, 2, 4 s, jittered) then has its next try
    // seconds away, so carol's messages are stored while it is disconnected and reach it
    // through the `since` replay, not live.
    Thread.sleep(4000);

    server = ChatServer.builder().host("127.0.0.1").wsPort(wsPort).httpPort(httpPort).sqliteStore(data).build().start();
    try (PlainWsClient carol = new PlainWsClient(wsPort, "carol", ROOM)) {
      carol.chat(ROOM, "离线时 1");
      carol.chat(ROOM, "离线时 2");
      carol.chat(ROOM, "离线时 3");

      waitUntil(alice, "the page to reconnect", d -> "open".equals(d.findElement(By.id("status")).getDomAttribute("data-state")));
      assertThat(alice.findElement(By.id("status")).getText()).isEqualTo("已连接");
      waitForText(alice, "离线时 3");

      alice.findElement(By.id("input")).sendKeys("重启之后", Keys.ENTER);
      carol.await(f -> "chat".equals(PlainWsClient.type(f)) && "重启之后".equals(PlainWsClient.string(f, "text")),
          "the page's message after the restart");
      waitForText(alice, "重启之后");
      Thread.sleep(500);
      assertThat(shownTexts(alice)).containsExactly("重启之前", "离线时 1", "离线时 2", "离线时 3", "重启之后");
      assertThat(shownSeqs(alice)).containsExactly(1L, 2L, 3L, 4L, 5L);
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void roomsAreJoinedLeftAndRemembered() throws InterruptedException {
    WebDriver alice = open("alice");
    WebDriver bob = openAt("bob", "二号房");

    alice.findElement(By.id("room-input")).sendKeys("二号房", Keys.ENTER);
    waitUntil(alice, "a tab for 二号房", d -> "二号房".equals(activeRoom(d)));
    waitUntil(bob, "alice joining 二号房", d -> systemTexts(d).contains("alice 加入了房间"));
    alice.findElement(By.id("input")).sendKeys("二号房见", Keys.ENTER);
    waitForText(bob, "二号房见");

    alice.findElement(By.cssSelector("#rooms .tab[data-room='lobby']")).click();
    waitUntil(alice, "lobby shown", d -> "lobby".equals(activeRoom(d)));
    assertThat(shownTexts(alice)).doesNotContain("二号房见");

    // Rooms are remembered across a reload (the nick too, once the old session is gone).
    alice.get(alice.getCurrentUrl());
    waitUntil(alice, "connected again", d -> "open".equals(d.findElement(By.id("status")).getDomAttribute("data-state")));
    waitUntil(alice, "both tabs back", d -> tabs(d).equals(List.of("lobby", "二号房")));
    waitUntil(alice, "the nick back", d -> "alice".equals(d.findElement(By.id("nick")).getDomProperty("value")));
    waitUntil(bob, "alice in bob's member list", d -> memberNames(d).contains("alice"));
    Thread.sleep(500); // let the reload's own leave/join/nick notices reach bob
    long leavesBefore = count(systemTexts(bob), "alice 离开了房间");

    alice.findElement(By.cssSelector("#rooms .tab[data-room='二号房'] .leave")).click();
    waitUntil(alice, "the tab gone", d -> tabs(d).equals(List.of("lobby")));
    waitUntil(bob, "alice leaving 二号房", d -> count(systemTexts(d), "alice 离开了房间") == leavesBefore + 1);
    waitUntil(bob, "alice gone from bob's member list", d -> !memberNames(d).contains("alice"));
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void olderHistoryLoadsWhenScrolledToTheTop() {
    for (int i = 1; i <= 120; i++) {
      server.hub().publish(new RoomName(ROOM), "bot", "历史 " + i).join();
    }
    WebDriver alice = open("alice");
    waitUntil(alice, "the newest 50", d -> shownSeqs(d).size() == 50);
    assertThat(shownSeqs(alice).get(0)).isEqualTo(71L);
    assertThat(shownSeqs(alice).get(49)).isEqualTo(120L);

    JavascriptExecutor js = (JavascriptExecutor) alice;
    String scrollUp = "const log = document.querySelector('.room-log:not([hidden])'); log.scrollTop = 0;"
        + " log.dispatchEvent(new Event('scroll'));";
    js.executeScript(scrollUp);
    waitUntil(alice, "the next 50", d -> shownSeqs(d).size() == 100);
    js.executeScript(scrollUp);
    waitUntil(alice, "all 120", d -> shownSeqs(d).size() == 120);
    waitUntil(alice, "the end of history noted",
        d -> d.findElement(By.cssSelector(".room-log:not([hidden]) .history-state")).getText().equals("没有更早的消息了"));

    List<Long> expected = new ArrayList<>();
    for (long seq = 1; seq <= 120; seq++) {
      expected.add(seq);
    }
    assertThat(shownSeqs(alice)).isEqualTo(expected);
    assertThat(shownTexts(alice).get(0)).isEqualTo("历史 1");
  }

  // ---------- helpers ----------

  private WebDriver open(String nick) {
    return openAt(nick, ROOM);
  }

  private WebDriver openAt(String nick, String room) {
    return openWith(nick, room, "ws://127.0.0.1:" + server.wsPort());
  }

  private WebDriver openWith(String nick, String room, String ws) {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    Path profile;
    try {
      profile = Files.createTempDirectory(profiles, "chromium-");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--window-size=420,800", "--user-data-dir=" + profile);
    options.setUnhandledPromptBehaviour(UnexpectedAlertBehaviour.IGNORE);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
        .usingAnyFreePort()
        .build();
    WebDriver driver = new ChromeDriver(service, options);
    windows.add(driver);
    driver.get("http://127.0.0.1:" + server.httpPort() + "/?ws=" + URLEncoder.encode(ws, StandardCharsets.UTF_8)
        + "&nick=" + URLEncoder.encode(nick, StandardCharsets.UTF_8)
        + "&room=" + URLEncoder.encode(room, StandardCharsets.UTF_8));
    waitUntil(driver, nick + " connected", d -> "open".equals(d.findElement(By.id("status")).getDomAttribute("data-state")));
    assertThat(driver.findElement(By.id("status")).getText()).isEqualTo("已连接");
    assertThat(driver.findElement(By.id("nick")).getDomProperty("value")).isEqualTo(nick);
    return driver;
  }

  private static void waitUntil(WebDriver driver, String what, java.util.function.Function<WebDriver, Boolean> condition) {
    new WebDriverWait(driver, WAIT).withMessage(what).until(condition::apply);
  }

  private static void waitForText(WebDriver driver, String text) {
    waitUntil(driver, "message \"" + text + "\" shown", d -> shownTexts(d).contains(text));
  }

  @SuppressWarnings("unchecked")
  private static List<String> shownTexts(WebDriver driver) {
    return (List<String>) ((JavascriptExecutor) driver).executeScript(SHOWN_TEXTS);
  }

  @SuppressWarnings("unchecked")
  private static List<Long> shownSeqs(WebDriver driver) {
    return (List<Long>) ((JavascriptExecutor) driver).executeScript(
        "return Array.from(document.querySelectorAll('.room-log:not([hidden]) .msg[data-seq]'))"
            + ".map(e => Number(e.dataset.seq));");
  }

  @SuppressWarnings("unchecked")
  private static List<String> systemTexts(WebDriver driver) {
    return (List<String>) ((JavascriptExecutor) driver).executeScript(
        "return Array.from(document.querySelectorAll('.room-log:not([hidden]) .system')).map(e => e.textContent);");
  }

  @SuppressWarnings("unchecked")
  private static List<String> memberNames(WebDriver driver) {
    return (List<String>) ((JavascriptExecutor) driver).executeScript(
        "return Array.from(document.querySelectorAll('#members li')).map(e => e.textContent);");
  }

  private static long count(List<String> list, String value) {
    return list.stream().filter(value::equals).count();
  }

  private static String activeRoom(WebDriver driver) {
    List<WebElement> active = driver.findElements(By.cssSelector("#rooms .tab.active"));
    return active.isEmpty() ? null : active.get(0).getDomAttribute("data-room");
  }

  @SuppressWarnings("unchecked")
  private static List<String> tabs(WebDriver driver) {
    return (List<String>) ((JavascriptExecutor) driver).executeScript(
        "return Array.from(document.querySelectorAll('#rooms .tab')).map(e => e.dataset.room);");
  }

  private static WebElement lastMessage(WebDriver driver) {
    List<WebElement> messages = driver.findElements(By.cssSelector(".room-log:not([hidden]) .msg:not(.pending)"));
    assertThat(messages).isNotEmpty();
    return messages.get(messages.size() - 1);
  }

  private static void assertNoAlert(WebDriver driver) {
    try {
      String text = driver.switchTo().alert().getText();
      fail("an alert opened: " + text);
    } catch (NoAlertPresentException expected) {
      // no dialog: the markup was not run
    }
  }

  void saveScreenshots(String testName) {
    Path dir = Path.of(System.getProperty("basedir", "."), "target", "screenshots");
    synchronized (windows) {
      for (int i = 0; i < windows.size(); i++) {
        WebDriver window = windows.get(i);
        String base = testName.replaceAll("[^A-Za-z0-9_-]", "_") + "-window" + (i + 1);
        try {
          Files.createDirectories(dir);
          Files.write(dir.resolve(base + ".png"), ((TakesScreenshot) window).getScreenshotAs(OutputType.BYTES));
          Files.writeString(dir.resolve(base + ".html"), window.getPageSource());
          System.err.println("saved " + dir.resolve(base + ".png"));
        } catch (IOException | RuntimeException e) {
          System.err.println("could not save a screenshot of window " + (i + 1) + ": " + e);
        }
      }
    }
  }

  /** Runs right after a test method, before @AfterEach closes the windows. */
  static final class SaveScreenshotsOnFailure implements AfterTestExecutionCallback {
    @Override
    public void afterTestExecution(ExtensionContext context) {
      if (context.getExecutionException().isPresent()) {
        ((WebPageBrowserTest) context.getRequiredTestInstance())
            .saveScreenshots(context.getRequiredTestMethod().getName());
      }
    }
  }
}
