package io.qingliao.examples.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

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
import java.util.stream.LongStream;
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
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.UnexpectedAlertBehaviour;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

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
  private static final String ROOM = "lobby";

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
      abort(message);
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
    ChatPage alice = open("alice");
    // the short form: ?ws=PORT on the page's own host
    ChatPage bob = openWith("bob", ROOM, String.valueOf(server.wsPort()));

    alice.say("你好，世界");
    bob.waitForText("你好，世界");
    WebElement atBob = bob.lastMessage();
    assertThat(atBob.getDomAttribute("class")).doesNotContain("self");
    assertThat(atBob.findElement(By.cssSelector(".nick")).getText()).isEqualTo("alice");
    assertThat(atBob.findElement(By.cssSelector(".avatar")).getText()).isEqualTo("a");
    alice.waitForText("你好，世界");
    assertThat(alice.lastMessage().getDomAttribute("class")).contains("self");
    assertThat(alice.input().getDomProperty("value")).isEmpty();

    bob.sayWithButton("收到");
    alice.waitForText("收到");

    assertThat(alice.texts()).containsExactly("你好，世界", "收到");
    assertThat(bob.texts()).containsExactly("你好，世界", "收到");
    assertThat(alice.input().getDomAttribute("placeholder")).isEqualTo("在这里输入消息...");
    assertThat(alice.sendButton().getText()).isEqualTo("发送");
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void systemNoticeAppearsWhenSomeoneJoinsAndLeaves() {
    ChatPage alice = open("alice");
    ChatPage bob = open("bob");

    alice.waitUntil("a join notice", p -> p.notices().contains("bob 加入了房间"));
    alice.waitUntil("bob in the member list", p -> p.members().contains("bob"));
    assertThat(alice.members()).containsExactlyInAnyOrder("alice", "bob");
    assertThat(alice.memberCount()).isEqualTo("2");

    bob.driver().quit();
    windows.remove(bob.driver());
    alice.waitUntil("a leave notice", p -> p.notices().contains("bob 离开了房间"));
    alice.waitUntil("bob gone from the member list", p -> !p.members().contains("bob"));
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void nickChangeIsAnnouncedAndRemembered() {
    ChatPage alice = open("alice");
    ChatPage bob = open("bob");

    alice.changeNick("阿丽");
    bob.waitUntil("the nick notice", p -> p.notices().contains("alice 改名为 阿丽"));
    bob.waitUntil("the new nick in the member list", p -> p.members().contains("阿丽"));
    assertThat(bob.members()).doesNotContain("alice");

    alice.say("新名字");
    bob.waitForText("新名字");
    assertThat(bob.lastMessage().findElement(By.cssSelector(".nick")).getText()).isEqualTo("阿丽");
    assertThat(bob.lastMessage().findElement(By.cssSelector(".avatar")).getText()).isEqualTo("阿");
    assertThat(alice.script("return localStorage.getItem('qingliao.nick')")).isEqualTo("阿丽");
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void markupTypedByAUserIsShownAsText() {
    ChatPage alice = open("alice");
    ChatPage bob = open("bob");
    String img = "<img src=x onerror=alert(1)>";
    String script = "<script>document.body.dataset.pwned='1'</script><b>粗体</b>";

    alice.say(img);
    alice.say(script);
    bob.waitForText(script);

    for (ChatPage page : List.of(alice, bob)) {
      assertNoAlert(page.driver());
      assertThat(page.texts()).containsExactly(img, script);
      assertThat(page.script("return document.querySelectorAll('#messages img, #messages script, #messages b').length"))
          .isEqualTo(0L);
      assertThat(page.script("return document.body.dataset.pwned || ''")).isEqualTo("");
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void roomsAreJoinedLeftAndRemembered() throws InterruptedException {
    ChatPage alice = open("alice");
    ChatPage bob = openAt("bob", "二号房");

    alice.joinRoom("二号房");
    alice.waitUntil("a tab for 二号房", p -> "二号房".equals(p.activeRoom()));
    bob.waitUntil("alice joining 二号房", p -> p.notices().contains("alice 加入了房间"));
    alice.say("二号房见");
    bob.waitForText("二号房见");

    alice.selectRoom(ROOM);
    alice.waitUntil("lobby shown", p -> ROOM.equals(p.activeRoom()));
    assertThat(alice.texts()).doesNotContain("二号房见");

    // Rooms are remembered across a reload (the nick too, once the old session is gone).
    alice.reload();
    alice.waitConnected();
    alice.waitUntil("both tabs back", p -> p.tabs().equals(List.of(ROOM, "二号房")));
    alice.waitUntil("the nick back", p -> "alice".equals(p.nick()));
    bob.waitUntil("alice in bob's member list", p -> p.members().contains("alice"));
    Thread.sleep(500); // let the reload's own leave/join/nick notices reach bob
    long leavesBefore = count(bob.notices(), "alice 离开了房间");

    alice.leaveRoom("二号房");
    alice.waitUntil("the tab gone", p -> p.tabs().equals(List.of(ROOM)));
    bob.waitUntil("alice leaving 二号房", p -> count(p.notices(), "alice 离开了房间") == leavesBefore + 1);
    bob.waitUntil("alice gone from bob's member list", p -> !p.members().contains("alice"));
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void olderHistoryLoadsWhenScrolledToTheTop() {
    for (int i = 1; i <= 120; i++) {
      server.hub().publish(new RoomName(ROOM), "bot", "历史 " + i).join();
    }
    ChatPage alice = open("alice");
    alice.waitUntil("the newest 50", p -> p.seqs().size() == 50);
    assertThat(alice.seqs().get(0)).isEqualTo(71L);
    assertThat(alice.seqs().get(49)).isEqualTo(120L);

    alice.scrollToTop();
    alice.waitUntil("the next 50", p -> p.seqs().size() == 100);
    alice.scrollToTop();
    alice.waitUntil("all 120", p -> p.seqs().size() == 120);
    alice.waitUntil("the end of history noted", p -> p.historyState().equals("没有更早的消息了"));

    assertThat(alice.seqs()).isEqualTo(LongStream.rangeClosed(1, 120).boxed().toList());
    assertThat(alice.texts().get(0)).isEqualTo("历史 1");
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void afterAServerRestartThePageReconnectsAndShowsWhatItMissedOnce() throws Exception {
    ChatPage alice = open("alice");
    alice.say("重启之前");
    alice.waitForText("重启之前");
    int wsPort = server.wsPort();
    int httpPort = server.httpPort();

    server.stop(Duration.ofSeconds(5));
    server = null;
    alice.waitUntil("the page to show the drop", p -> "已断开，重连中…".equals(p.status()));
    // Stay down ~4 s: the page's backoff (0.5, 1, 2, 4 s, jittered) then has its next try
    // seconds away, so carol's messages are stored while it is disconnected and reach it
    // through the `since` replay, not live.
    Thread.sleep(4000);

    server = ChatServer.builder().host("127.0.0.1").wsPort(wsPort).httpPort(httpPort).sqliteStore(data).build().start();
    try (PlainWsClient carol = new PlainWsClient(wsPort, "carol", ROOM)) {
      carol.chat(ROOM, "离线时 1");
      carol.chat(ROOM, "离线时 2");
      carol.chat(ROOM, "离线时 3");

      alice.waitUntil("the page to reconnect", p -> "open".equals(p.statusState()));
      assertThat(alice.status()).isEqualTo("已连接");
      alice.waitForText("离线时 3");

      alice.say("重启之后");
      carol.await(f -> "chat".equals(PlainWsClient.type(f)) && "重启之后".equals(PlainWsClient.string(f, "text")),
          "the page's message after the restart");
      alice.waitForText("重启之后");
      Thread.sleep(500);
      assertThat(alice.texts()).containsExactly("重启之前", "离线时 1", "离线时 2", "离线时 3", "重启之后");
      assertThat(alice.seqs()).containsExactly(1L, 2L, 3L, 4L, 5L);
    }
  }

  // ---------- helpers ----------

  private ChatPage open(String nick) {
    return openAt(nick, ROOM);
  }

  private ChatPage openAt(String nick, String room) {
    return openWith(nick, room, "ws://127.0.0.1:" + server.wsPort());
  }

  /** A new browser window (own profile, so own localStorage) on the page, connected. */
  private ChatPage openWith(String nick, String room, String ws) {
    Path profile;
    try {
      profile = Files.createTempDirectory(profiles, "chromium-");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
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
    ChatPage page = new ChatPage(driver);
    page.waitConnected();
    assertThat(page.status()).isEqualTo("已连接");
    assertThat(page.nick()).isEqualTo(nick);
    return page;
  }

  private static long count(List<String> list, String value) {
    return list.stream().filter(value::equals).count();
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
