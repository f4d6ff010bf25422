package io.qingliao.core;

import java.nio.ByteBuffer;

/** A session opened on a hub through a {@link RecordingTransport}, with helpers for tests. */
final class TestClient {
  final Hub hub;
  final RecordingTransport transport = new RecordingTransport();
  final HubSession session;

  private TestClient(Hub hub, ConnectRequest request) {
    this.hub = hub;
    this.session = hub.open(transport, request);
    transport.session = session;
  }

  static TestClient open(Hub hub, ConnectRequest request) {
    return new TestClient(hub, request);
  }

  /** Opens {@code nick} in {@code room} and consumes its welcome and joined. */
  static TestClient joined(Hub hub, String nick, String room) {
    TestClient client = new TestClient(hub, new ConnectRequest(nick, room, null, OutputFormat.JSON, null));
    client.transport.next(ServerEvent.Welcome.class);
    client.transport.next(ServerEvent.Joined.class);
    return client;
  }

  TestClient send(String frame) {
    session.onText(frame);
    return this;
  }

  TestClient send(ClientRequest request) {
    return send(ProtocolCodec.encodeRequest(request));
  }

  TestClient sendBinary(byte[] data) {
    session.onBinary(ByteBuffer.wrap(data));
    return this;
  }

  <T extends ServerEvent> T next(Class<T> type) {
    return transport.next(type);
  }

  ServerEvent.ErrorEvent nextError(ErrorCode code) {
    return transport.nextError(code);
  }

  void assertExhausted() {
    transport.assertExhausted();
  }

  void close() {
    session.onClose(CloseCodes.NORMAL, "bye");
  }
}
