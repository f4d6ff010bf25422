package io.qingliao.server.testing;

import io.qingliao.server.ChatServer;

/** Builders for servers under test: loopback, any free WebSocket port, no HTTP side, memory store. */
public final class TestServers {
  private TestServers() {}

  public static ChatServer.Builder memory() {
    return ChatServer.builder().host("127.0.0.1").wsPort(0).httpPort(-1).memoryStore();
  }
}
