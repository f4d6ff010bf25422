package io.qingliao.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * A minimal HTTP/1.1 client on a raw socket, one request per connection, for the HTTP side's
 * tests: it sends request targets exactly as written (traversal attempts, raw escapes) and
 * starts no threads.
 */
final class HttpTestClient {
  private final int port;
  private final SSLContext tls;

  /** @param tls client context for HTTPS, or null for plain HTTP */
  HttpTestClient(int port, SSLContext tls) {
    this.port = port;
    this.tls = tls;
  }

  static final class Response {
    final int status;
    final Map<String, String> headers;
    final String body;

    Response(int status, Map<String, String> headers, String body) {
      this.status = status;
      this.headers = headers;
      this.body = body;
    }

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    JsonElement json() {
      return JsonParser.parseString(body);
    }
  }

  Response get(String target) throws IOException {
    return send("GET", target, Map.of(), null);
  }

  Response postJson(String target, String json) throws IOException {
    return send("POST", target, Map.of("Content-Type", "application/json"), bytes(json));
  }

  Response send(String method, String target, Map<String, String> headers, byte[] body) throws IOException {
    Map<String, String> all = new LinkedHashMap<>(headers);
    if (body != null) {
      all.put("Content-Length", Integer.toString(body.length));
    }
    return exchange(method, target, all, body == null ? null : out -> out.write(body));
  }

  Response sendChunked(String method, String target, Map<String, String> headers, byte[] body) throws IOException {
    Map<String, String> all = new LinkedHashMap<>(headers);
    all.put("Transfer-Encoding", "chunked");
    return exchange(method, target, all, out -> {
      for (int i = 0; i < body.length; i += 8192) {
        int n = Math.min(8192, body.length - i);
        out.write(bytes(Integer.toHexString(n) + "\r\n"));
        out.write(body, i, n);
        out.write(bytes("\r\n"));
      }
      out.write(bytes("0\r\n\r\n"));
    });
  }

  private interface BodyWriter {
    void write(OutputStream out) throws IOException;
  }

  private Response exchange(String method, String target, Map<String, String> headers, BodyWriter body) throws IOException {
    try (Socket socket = tls == null
        ? new Socket("127.0.0.1", port)
        : tls.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
      headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
      head.append("\r\n");
      OutputStream out = socket.getOutputStream();
      try {
        out.write(head.toString().getBytes(StandardCharsets.UTF_8));
        if (body != null) {
          body.write(out);
        }
        out.flush();
      } catch (IOException refusedEarly) {
        // The server may answer (413) and close before reading the whole body; read its answer.
      }
      return parse(readAll(socket.getInputStream()));
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      int n;
      while ((n = in.read(buffer)) != -1) {
        all.write(buffer, 0, n);
      }
    } catch (IOException reset) {
      if (all.size() == 0) {
        throw reset;
      }
    }
    return all.toByteArray();
  }

  private static Response parse(byte[] raw) {
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
    }
    byte[] body = Arrays.copyOfRange(raw, end + 4, raw.length);
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body = unchunk(body);
    }
    return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
  }

  private static byte[] unchunk(byte[] chunked) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    while (true) {
      int lineEnd = indexOf(chunked, i);
      int size = Integer.parseInt(new String(chunked, i, lineEnd - i, StandardCharsets.US_ASCII).split(";")[0].trim(), 16);
      if (size == 0) {
        return out.toByteArray();
      }
      out.write(chunked, lineEnd + 2, size);
      i = lineEnd + 2 + size + 2;
    }
  }

  private static int indexOf(byte[] data, int from) {
    for (int i = from; i < data.length - 1; i++) {
      if (data[i] == '\r' && data[i + 1] == '\n') {
        return i;
      }
    }
    throw new IllegalStateException("truncated chunk");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
