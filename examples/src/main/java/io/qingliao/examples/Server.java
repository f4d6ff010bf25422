package io.qingliao.examples;

import io.qingliao.server.Main;

/**
 * The full 轻聊 server with its defaults: WebSocket on port 8000 and HTTP (web page, REST API,
 * {@code /health}, {@code /metrics}) on port 3000, as in the original demo, with chat history
 * kept in SQLite under {@code ./data}. Every option of {@code qingliao-server} works here
 * ({@code --help} lists them, each with its {@code QINGLIAO_*} environment variable); Ctrl-C or
 * SIGTERM stops it gracefully.
 *
 * <pre>
 * java -cp examples/target/qingliao-examples.jar io.qingliao.examples.Server
 * java -cp examples/target/qingliao-examples.jar io.qingliao.examples.Server --store memory --ws-port 0
 * </pre>
 *
 * <p>To run the same server inside your own program, build it instead of calling {@code main}:
 *
 * <pre>{@code
 * try (ChatServer server = ChatServer.builder().wsPort(8000).httpPort(3000).memoryStore().build().start()) {
 *   server.hub().publish(RoomName.LOBBY, "admin", "服务器已启动").join();
 *   ...
 * }
 * }</pre>
 *
 * <p>and to put chat rooms into a WebSocket server you already have, see {@link Hello}.
 */
public final class Server {
  private Server() {}

  public static void main(String[] args) {
    Main.main(args);
  }
}
