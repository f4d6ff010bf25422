package io.qingliao.benchmarks.load;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The server under test: a {@code ws://} URL on the loopback range only (127.0.0.0/8 or ::1),
 * plus the source addresses to spread client sockets over when one address runs out of ports.
 */
record Target(String kind, InetSocketAddress address, String hostHeader, List<InetAddress> sources, long pid) {

  static Target parse(Args a) {
    String kind = a.string("target", "qingliao");
    if (!kind.equals("qingliao") && !kind.equals("node")) {
      throw new IllegalArgumentException("--target must be qingliao or node");
    }
    URI uri = URI.create(a.string("url", "ws://127.0.0.1:8000/"));
    if (!"ws".equals(uri.getScheme()) || uri.getPort() <= 0) {
      throw new IllegalArgumentException("--url must be ws://HOST:PORT/ with a port: " + uri);
    }
    InetAddress host = loopback(uri.getHost());
    List<InetAddress> sources = new ArrayList<>();
    for (String s : a.string("source-addrs", "").split(",")) {
      if (!s.isBlank()) {
        sources.add(loopback(s.trim()));
      }
    }
    return new Target(kind, new InetSocketAddress(host, uri.getPort()), uri.getHost() + ":" + uri.getPort(),
        List.copyOf(sources), a.integer("server-pid", 0));
  }

  /** Resolves {@code name} and refuses anything outside the loopback range: load goes nowhere else. */
  static InetAddress loopback(String name) {
    try {
      InetAddress addr = InetAddress.getByName(name);
      if (!addr.isLoopbackAddress()) {
        throw new IllegalArgumentException(name + " is not a loopback address: this harness only "
            + "sends load to 127.0.0.0/8 or ::1");
      }
      return addr;
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("unknown host " + name, e);
    }
  }

  /** Where connection {@code i} binds before connecting, or null for the kernel's choice. */
  InetSocketAddress source(int i) {
    return sources.isEmpty() ? null : new InetSocketAddress(sources.get(i % sources.size()), 0);
  }

  boolean broadcastsToAll() {
    return kind.equals("node");
  }
}
