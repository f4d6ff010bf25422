package io.qingliao.server.internal.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** What {@code --version} prints: the server's version, the wire protocol's, and the JVM's. */
public final class VersionInfo implements IVersionProvider {
  private static final String POM_PROPERTIES = "/META-INF/maven/io.qingliao/chat-server/pom.properties";

  /** The packaged version, or {@code development build} when running from class folders. */
  public static String serverVersion() {
    String fromManifest = VersionInfo.class.getPackage().getImplementationVersion();
    if (fromManifest != null) {
      return fromManifest;
    }
    try (InputStream in = VersionInfo.class.getResourceAsStream(POM_PROPERTIES)) {
      if (in != null) {
        Properties props = new Properties();
        props.load(in);
        String version = props.getProperty("version");
        if (version != null && !version.isBlank()) {
          return version;
        }
      }
    } catch (IOException e) {
      // Unreadable metadata is not worth failing --version over.
    }
    return "development build";
  }

  @Override
  public String[] getVersion() {
    return new String[] {
      "Qingliao server " + serverVersion() + " (wire protocol 1)",
      "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + "), "
          + System.getProperty("java.vm.name"),
    };
  }
}
