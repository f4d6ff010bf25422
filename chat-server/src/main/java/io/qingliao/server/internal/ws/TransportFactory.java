package io.qingliao.server.internal.ws;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.List;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.WebSocketServerFactory;
import org.java_websocket.drafts.Draft;

/**
 * The library's hook at accept time: wraps each new connection's channel (plain or TLS, from
 * {@code delegate}) in an {@link AccountingChannel}, gives the connection its
 * {@link WsTransport} (with its {@link Outbox}) as attachment, and bounds the socket's send buffer.
 */
final class TransportFactory implements WebSocketServerFactory {
  /**
   * The kernel's send buffer of each connection. Left to itself, Linux grows it up to 4 MiB for
   * a client that does not read, outside the slow-consumer limit, which then takes megabytes of
   * traffic to notice it; 256 KiB still carries a 1,000-message replay in a few round trips.
   */
  static final int SEND_BUFFER_BYTES = 256 * 1024;

  private final WebSocketServerFactory delegate;
  private final WebSocketFrontend server;

  TransportFactory(WebSocketServerFactory delegate, WebSocketFrontend server) {
    this.delegate = delegate;
    this.server = server;
  }

  @Override
  public WebSocketImpl createWebSocket(WebSocketAdapter adapter, Draft draft) {
    return delegate.createWebSocket(adapter, draft);
  }

  @Override
  public WebSocketImpl createWebSocket(WebSocketAdapter adapter, List<Draft> drafts) {
    return delegate.createWebSocket(adapter, drafts);
  }

  @Override
  public ByteChannel wrapChannel(SocketChannel channel, SelectionKey key) throws IOException {
    channel.setOption(StandardSocketOptions.SO_SNDBUF, SEND_BUFFER_BYTES);
    ByteChannel wrapped = delegate.wrapChannel(channel, key);
    WebSocketImpl conn = (WebSocketImpl) key.attachment();
    WsTransport transport = server.accepted(conn);
    AccountingChannel accounting = new AccountingChannel(wrapped, transport);
    transport.channel(accounting, new Outbox(conn, transport, wrapped));
    return accounting;
  }

  @Override
  public void close() {
    delegate.close();
  }
}
