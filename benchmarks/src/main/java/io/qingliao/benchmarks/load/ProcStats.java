package io.qingliao.benchmarks.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time and resident memory of a process, from Linux's /proc (clock ticks of 10 ms). */
final class ProcStats {
  private static final double TICK_SECONDS = 0.01; // getconf CLK_TCK = 100 on Linux/x86-64

  private ProcStats() {}

  /** utime + stime of {@code pid} and its reaped children excluded, in seconds; NaN if unknown. */
  static double cpuSeconds(long pid) {
    if (pid <= 0) {
      return Double.NaN;
    }
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // The command name (field 2) may hold spaces: fields are counted after its ')'.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long utime = Long.parseLong(f[11]);
      long stime = Long.parseLong(f[12]);
      return (utime + stime) * TICK_SECONDS;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** VmRSS of {@code pid} in KiB, or -1. */
  static long rssKib(long pid) {
    return statusField(pid, "VmRSS:");
  }

  static long statusField(long pid, String field) {
    if (pid <= 0) {
      return -1;
    }
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** This JVM's CPU time in seconds (all threads). */
  static double selfCpuSeconds() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime() / 1e9;
    }
    return cpuSeconds(ProcessHandle.current().pid());
  }

  /**
   * The 1, 5 and 15 minute load averages, and the share of the last 10 s in which some task
   * waited for a CPU (Linux pressure stall information), e.g. {@code "8.1 9.3 9.9, cpu pressure 62 %"}.
   */
  static String loadAverage() {
    String load;
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      load = f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      load = "?";
    }
    try {
      String psi = Files.readAllLines(Path.of("/proc/pressure/cpu")).get(0); // some avg10=.. avg60=..
      String avg10 = psi.split(" ")[1].substring("avg10=".length());
      return load + ", cpu pressure " + Math.round(Double.parseDouble(avg10)) + " %";
    } catch (IOException | RuntimeException e) {
      return load;
    }
  }
}
