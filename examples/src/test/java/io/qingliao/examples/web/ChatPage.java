package io.qingliao.examples.web;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The chat page in one browser window, read through its stable ids and classes. */
final class ChatPage {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String SHOWN = ".room-log:not([hidden])";

  private final WebDriver driver;

  ChatPage(WebDriver driver) {
    this.driver = driver;
  }

  WebDriver driver() {
    return driver;
  }

  /** Types into the input bar and presses Enter. */
  void say(String text) {
    driver.findElement(By.id("input")).sendKeys(text, Keys.ENTER);
  }

  /** Types into the input bar and clicks 发送. */
  void sayWithButton(String text) {
    driver.findElement(By.id("input")).sendKeys(text);
    driver.findElement(By.id("send")).click();
  }

  void joinRoom(String room) {
    driver.findElement(By.id("room-input")).sendKeys(room, Keys.ENTER);
  }

  void selectRoom(String room) {
    driver.findElement(By.cssSelector("#rooms .tab[data-room='" + room + "']")).click();
  }

  void leaveRoom(String room) {
    driver.findElement(By.cssSelector("#rooms .tab[data-room='" + room + "'] .leave")).click();
  }

  void changeNick(String nick) {
    driver.findElement(By.id("nick")).sendKeys(Keys.chord(Keys.CONTROL, "a"), nick, Keys.ENTER);
  }

  /** Scrolls the shown room to the top, as a reader looking for older messages. */
  void scrollToTop() {
    script("const log = document.querySelector('" + SHOWN + "'); log.scrollTop = 0;"
        + " log.dispatchEvent(new Event('scroll'));");
  }

  void reload() {
    driver.get(driver.getCurrentUrl());
  }

  void waitUntil(String what, Predicate<ChatPage> condition) {
    new WebDriverWait(driver, WAIT).withMessage(what).until(d -> condition.test(this));
  }

  void waitForText(String text) {
    waitUntil("message \"" + text + "\" shown", p -> p.texts().contains(text));
  }

  void waitConnected() {
    waitUntil("connected", p -> "open".equals(p.statusState()));
  }

  /** Texts of the stored messages shown in the current room, in order (pending ones left out). */
  List<String> texts() {
    return strings("return Array.from(document.querySelectorAll('" + SHOWN + " .msg:not(.pending) .text'))"
        + ".map(e => e.textContent);");
  }

  List<Long> seqs() {
    @SuppressWarnings("unchecked")
    List<Long> seqs = (List<Long>) script(
        "return Array.from(document.querySelectorAll('" + SHOWN + " .msg[data-seq]')).map(e => Number(e.dataset.seq));");
    return seqs;
  }

  List<String> notices() {
    return strings("return Array.from(document.querySelectorAll('" + SHOWN + " .system')).map(e => e.textContent);");
  }

  List<String> members() {
    return strings("return Array.from(document.querySelectorAll('#members li')).map(e => e.textContent);");
  }

  String memberCount() {
    return driver.findElement(By.id("member-count")).getDomProperty("textContent");
  }

  List<String> tabs() {
    return strings("return Array.from(document.querySelectorAll('#rooms .tab')).map(e => e.dataset.room);");
  }

  String activeRoom() {
    List<WebElement> active = driver.findElements(By.cssSelector("#rooms .tab.active"));
    return active.isEmpty() ? null : active.get(0).getDomAttribute("data-room");
  }

  String historyState() {
    return driver.findElement(By.cssSelector(SHOWN + " .history-state")).getText();
  }

  /** The shown text of #status. */
  String status() {
    return driver.findElement(By.id("status")).getText();
  }

  /** connecting, open or closed. */
  String statusState() {
    return driver.findElement(By.id("status")).getDomAttribute("data-state");
  }

  String nick() {
    return driver.findElement(By.id("nick")).getDomProperty("value");
  }

  WebElement input() {
    return driver.findElement(By.id("input"));
  }

  WebElement sendButton() {
    return driver.findElement(By.id("send"));
  }

  WebElement lastMessage() {
    List<WebElement> messages = driver.findElements(By.cssSelector(SHOWN + " .msg:not(.pending)"));
    if (messages.isEmpty()) {
      throw new AssertionError("no message shown");
    }
    return messages.get(messages.size() - 1);
  }

  Object script(String js) {
    return ((JavascriptExecutor) driver).executeScript(js);
  }

  @SuppressWarnings("unchecked")
  private List<String> strings(String js) {
    return (List<String>) script(js);
  }
}
