package io.tandem.controller.fault;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import io.tandem.controller.TandemConf;
import io.tandem.controller.cli.TandemCli;

/**
 * Runs the real {@code tandem} CLI ({@link TandemCli}) in a JVM of its own against the clusters of
 * this JVM, optionally armed to halt at a {@link FaultPoints} point as {@code kill -9} would. Its
 * output goes to a file, shown whole when a test fails on it.
 */
final class CliProcess {
  /** Opens the JDK internals the HBase and Hadoop clients need on Java 17 (as surefire's argLine). */
  private static final List<String> OPENS = List.of(
      "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
      "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
      "-Dio.netty.tryReflectionSetAccessible=true");

  /**
   * How a run ended.
   *
   * @param exit      the process's exit status ({@link FaultPoints#HALT_STATUS} when it halted)
   * @param exitNanos {@link System#nanoTime()} when this JVM saw it exit
   */
  record Result(List<String> args, int exit, long millis, long exitNanos, Path log) {
    String output() {
      try {
        return Files.readString(log, StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "(could not read " + log + ": " + e + ")";
      }
    }

    /** Fails with the whole output unless the process exited with {@code expected}. */
    Result requireExit(int expected) {
      if (exit != expected) {
        throw new AssertionError("tandem " + String.join(" ", args) + " exited " + exit + " (expected " + expected
            + ") after " + millis + " ms; its output (" + log + "):\n" + output());
      }
      return this;
    }
  }

  private final Path site;
  private final Path logDir;
  private int runs;

  /** Writes {@code conf} as the tandem-site.xml every run of this instance uses. */
  CliProcess(TandemConf conf, Path workDir) throws IOException {
    Files.createDirectories(workDir);
    this.site = workDir.resolve("tandem-site.xml");
    try (OutputStream out = Files.newOutputStream(site)) {
      conf.raw().writeXml(out);
    }
    this.logDir = workDir;
  }

  Path site() {
    return site;
  }

  /**
   * Runs {@code tandem --conf <site> <args>} to its end.
   *
   * @param haltAt a fault point to halt at, or null to run normally
   */
  Result run(String haltAt, Duration timeout, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx512m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.addAll(OPENS);
    cmd.add("-Djava.net.preferIPv4Stack=true");
    // WARN for everything, Tandem at INFO (testkit's test logging).
    cmd.add("-Dlog4j.configuration=log4j-test.properties");
    if (haltAt != null) {
      cmd.add("-D" + FaultPoints.PROPERTY + "=" + haltAt);
    }
    cmd.add("-cp");
    cmd.add(classpath());
    cmd.add(TandemCli.class.getName());
    cmd.add("--conf");
    cmd.add(site.toString());
    cmd.addAll(List.of(args));
    Path log = logDir.resolve(String.format("cli-%02d-%s.log", ++runs, haltAt == null ? "run" : haltAt));
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    p.getOutputStream().close();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
      throw new AssertionError("tandem " + String.join(" ", args) + " did not end within " + timeout + "; output ("
          + log + "):\n" + Files.readString(log, StandardCharsets.UTF_8));
    }
    long end = System.nanoTime();
    return new Result(List.of(args), p.exitValue(), (end - t0) / 1_000_000, end, log);
  }

  /**
   * This JVM's test classpath. Under surefire/failsafe {@code java.class.path} may be a
   * manifest-only jar; {@code surefire.test.class.path} (or that jar's Class-Path) has the real one.
   */
  static String classpath() throws IOException {
    String cp = System.getProperty("surefire.test.class.path");
    if (cp != null && !cp.isBlank()) {
      return cp;
    }
    cp = System.getProperty("java.class.path");
    String[] parts = cp.split(File.pathSeparator);
    if (parts.length == 1 && parts[0].endsWith(".jar")) {
      try (JarFile jar = new JarFile(parts[0])) {
        Manifest m = jar.getManifest();
        String inManifest = m == null ? null : m.getMainAttributes().getValue("Class-Path");
        if (inManifest != null && !inManifest.isBlank()) {
          List<String> out = new ArrayList<>();
          Path base = Path.of(parts[0]).toAbsolutePath().getParent();
          for (String entry : inManifest.trim().split("\\s+")) {
            URI u = base.toUri().resolve(entry);
            out.add(Path.of(u).toString());
          }
          return String.join(File.pathSeparator, out);
        }
      }
    }
    return cp;
  }
}
