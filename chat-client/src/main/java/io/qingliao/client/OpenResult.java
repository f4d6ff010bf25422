package io.qingliao.client;

import java.util.Map;
import java.util.TreeMap;

/**
 * What {@link SocketTask#onOpen} receives: {@code {header}}, the HTTP headers of the server's
 * {@code 101} handshake response. Names are looked up ignoring case; a header sent several times
 * holds its values joined with {@code ", "}.
 */
public record OpenResult(Map<String, String> header) {
  public OpenResult {
    TreeMap<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    copy.putAll(header);
    header = java.util.Collections.unmodifiableMap(copy);
  }
}
