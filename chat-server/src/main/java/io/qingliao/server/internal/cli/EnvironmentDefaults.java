package io.qingliao.server.internal.cli;

import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Takes each option's default from the environment variable named after it: {@code --ws-port}
 * reads {@code QINGLIAO_WS_PORT}. The environment is passed in, so tests need no real variables.
 * An unset or empty variable leaves the option's built-in default in place.
 */
public final class EnvironmentDefaults implements IDefaultValueProvider {
  public static final String PREFIX = "QINGLIAO_";

  private final Map<String, String> env;

  public EnvironmentDefaults(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  /** The variable for {@code --long-name}: {@code QINGLIAO_LONG_NAME}. */
  public static String variableFor(String longOptionName) {
    String bare = longOptionName.replaceFirst("^-+", "");
    return PREFIX + bare.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec option) || option.usageHelp() || option.versionHelp()) {
      return null;
    }
    String value = env.get(variableFor(option.longestName()));
    if (value == null || value.isEmpty()) {
      return null;
    }
    // picocli expands ${...} in defaults; a secret such as a password must arrive verbatim.
    return value.replace("${", "$${");
  }
}
