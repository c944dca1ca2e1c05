package io.tandem.acceptance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command to its end, with a deadline; its output is kept in a file and returned. */
final class Proc {
  /** What a finished command left: its exit code and its combined output. */
  record Result(List<String> command, int exit, String output) {
    Result requireExit(int expected) {
      if (exit != expected) {
        throw new AssertionError("exit " + exit + " (expected " + expected + ") from " + String.join(" ", command)
            + "\n" + tail(output, 60));
      }
      return this;
    }
  }

  private Proc() {
  }

  static Result run(List<String> command, Map<String, String> env, Path log, Duration timeout)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError("timed out after " + timeout + ": " + String.join(" ", command) + "\n"
          + tail(Files.readString(log, StandardCharsets.UTF_8), 60));
    }
    return new Result(command, p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  static String tail(String text, int lines) {
    String[] all = text.split("\n");
    int from = Math.max(0, all.length - lines);
    return String.join("\n", java.util.Arrays.copyOfRange(all, from, all.length));
  }
}
