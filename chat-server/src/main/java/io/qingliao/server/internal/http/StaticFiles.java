package io.qingliao.server.internal.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Serves the files of the classpath folder {@code static/} (the web chat page), and nothing
 * outside it: a path with {@code ..} or {@code .} segments, a backslash, a colon, a control
 * character, an empty segment (an absolute path after the first slash) or a malformed escape is
 * refused with 400, before any lookup; a name that is absent or a folder is 404.
 */
final class StaticFiles {
  private static final String ROOT = "static/";
  private static final Map<String, String> TYPES = Map.ofEntries(
      Map.entry("html", "text/html; charset=utf-8"),
      Map.entry("htm", "text/html; charset=utf-8"),
      Map.entry("css", "text/css; charset=utf-8"),
      Map.entry("js", "text/javascript; charset=utf-8"),
      Map.entry("mjs", "text/javascript; charset=utf-8"),
      Map.entry("json", "application/json; charset=utf-8"),
      Map.entry("map", "application/json; charset=utf-8"),
      Map.entry("txt", "text/plain; charset=utf-8"),
      Map.entry("svg", "image/svg+xml"),
      Map.entry("png", "image/png"),
      Map.entry("jpg", "image/jpeg"),
      Map.entry("jpeg", "image/jpeg"),
      Map.entry("gif", "image/gif"),
      Map.entry("webp", "image/webp"),
      Map.entry("ico", "image/x-icon"),
      Map.entry("woff", "font/woff"),
      Map.entry("woff2", "font/woff2"),
      Map.entry("wasm", "application/wasm"));

  private final ClassLoader loader;

  StaticFiles(ClassLoader loader) {
    this.loader = loader;
  }

  void serve(HttpExchange exchange, String rawPath) throws IOException {
    String name = resourceName(rawPath);
    byte[] body = read(name);
    if (body == null) {
      throw HttpError.notFound("no such file: " + rawPath);
    }
    Exchanges.send(exchange, 200, contentType(name), body);
  }

  /** The classpath name under {@code static/} for a raw request path; throws 400 if unsafe. */
  static String resourceName(String rawPath) {
    String decoded = Exchanges.decodeSegment(rawPath);
    if (decoded == null || !decoded.startsWith("/")) {
      throw HttpError.badRequest("malformed path");
    }
    String relative = decoded.substring(1);
    if (relative.isEmpty() || relative.endsWith("/")) {
      relative = relative + "index.html";
    }
    for (String segment : relative.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw HttpError.badRequest("path not allowed");
      }
    }
    for (int i = 0; i < relative.length(); i++) {
      char c = relative.charAt(i);
      if (c == '\\' || c == ':' || Character.isISOControl(c)) {
        throw HttpError.badRequest("path not allowed");
      }
    }
    return ROOT + relative;
  }

  static String contentType(String name) {
    int dot = name.lastIndexOf('.');
    String extension = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    return TYPES.getOrDefault(extension, "application/octet-stream");
  }

  /** The resource's bytes, or null when it is absent or a folder. */
  private byte[] read(String name) throws IOException {
    URL url = loader.getResource(name);
    if (url == null) {
      return null;
    }
    if (url.getProtocol().equals("file")) {
      try {
        if (!Files.isRegularFile(Path.of(url.toURI()))) {
          return null;
        }
      } catch (URISyntaxException | IllegalArgumentException e) {
        return null;
      }
    }
    URLConnection connection = url.openConnection();
    if (connection instanceof JarURLConnection jar && jar.getJarEntry().isDirectory()) {
      return null;
    }
    try (InputStream in = connection.getInputStream()) {
      return in.readAllBytes();
    }
  }
}
