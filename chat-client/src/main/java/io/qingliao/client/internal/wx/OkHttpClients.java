package io.qingliao.client.internal.wx;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.SocketFactory;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;

/** The OkHttp clients of one runtime: a shared base and a variant per connectSocket call. */
final class OkHttpClients {
  private final ThreadPoolExecutor executor;
  private final OkHttpClient base;

  OkHttpClients(String name) {
    AtomicInteger n = new AtomicInteger();
    executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
        new SynchronousQueue<>(), r -> {
          Thread t = new Thread(r, name + " OkHttp " + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    Dispatcher dispatcher = new Dispatcher(executor);
    // Sockets stay "running calls" while open: the wx limit of five is enforced by us instead.
    dispatcher.setMaxRequests(256);
    dispatcher.setMaxRequestsPerHost(256);
    base = new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        .connectionPool(new ConnectionPool())
        .build();
  }

  /**
   * The client for one socket. The handshake is bounded by the task's own timer, so OkHttp's
   * read timeout is off; tcpNoDelay and the deflate offer follow the options.
   */
  OkHttpClient forSocket(Duration timeout, boolean tcpNoDelay, boolean perMessageDeflate) {
    OkHttpClient.Builder b = base.newBuilder()
        .connectTimeout(timeout)
        .readTimeout(Duration.ZERO);
    if (tcpNoDelay) {
      b.socketFactory(new NoDelaySocketFactory(SocketFactory.getDefault()));
    }
    if (!perMessageDeflate) {
      b.addInterceptor(WITHOUT_DEFLATE_OFFER);
    }
    return b.build();
  }

  /** Releases OkHttp's threads and connections; waits up to 5 s for the threads to end. */
  void shutdown() {
    base.dispatcher().cancelAll();
    executor.shutdown();
    base.connectionPool().evictAll();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  ExecutorService executor() {
    return executor;
  }

  /** OkHttp always offers permessage-deflate; wx does so only when asked. */
  private static final Interceptor WITHOUT_DEFLATE_OFFER = chain -> chain.proceed(
      chain.request().newBuilder().removeHeader("Sec-WebSocket-Extensions").build());

  /** Sets TCP_NODELAY on every socket it makes. */
  static final class NoDelaySocketFactory extends SocketFactory {
    private final SocketFactory delegate;

    NoDelaySocketFactory(SocketFactory delegate) {
      this.delegate = delegate;
    }

    private static Socket noDelay(Socket s) throws IOException {
      s.setTcpNoDelay(true);
      return s;
    }

    @Override
    public Socket createSocket() throws IOException {
      return noDelay(delegate.createSocket());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return noDelay(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
        throws IOException {
      return noDelay(delegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return noDelay(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress,
        int localPort) throws IOException {
      return noDelay(delegate.createSocket(address, port, localAddress, localPort));
    }
  }
}
