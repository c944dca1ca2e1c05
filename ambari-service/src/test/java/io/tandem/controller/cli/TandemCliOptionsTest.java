package io.tandem.controller.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** The CLI's generic options, without clusters: {@code -D} overrides and where commands print. */
class TandemCliOptionsTest {

  private static Path site(Path dir) throws Exception {
    Configuration c = new Configuration(false);
    c.set("tandem.primary.name", "from-file");
    Path site = dir.resolve("tandem-site.xml");
    try (OutputStream out = new FileOutputStream(site.toFile())) {
      c.writeXml(out);
    }
    return site;
  }

  @Test
  void dashDOverridesTheSiteFileBeforeOrAfterTheCommand(@TempDir Path dir) throws Exception {
    Path site = site(dir);
    TandemCli root = new TandemCli();
    new CommandLine(root).parseArgs("--conf", site.toString(), "-D", "tandem.primary.name=before",
        "backup", "list", "--service", "s");
    assertEquals("before", root.tandemConf().raw().get("tandem.primary.name"));

    TandemCli after = new TandemCli();
    new CommandLine(after).parseArgs("--conf", site.toString(), "backup", "list", "--service", "s",
        "-Dtandem.primary.name=after", "-D", "tandem.secondary.name=x");
    assertEquals("after", after.tandemConf().raw().get("tandem.primary.name"), "an option given after the command");
    assertEquals("x", after.tandemConf().raw().get("tandem.secondary.name"));

    TandemCli none = new TandemCli();
    new CommandLine(none).parseArgs("--conf", site.toString(), "backup", "list", "--service", "s");
    assertEquals("from-file", none.tandemConf().raw().get("tandem.primary.name"));
  }

  @Test
  void commandsPrintToTheGivenWritersAndABadDashDIsExit2(@TempDir Path dir) throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertEquals(0, TandemCli.run(new String[] {"config", "defaults"}, new PrintWriter(out), new PrintWriter(err)));
    assertTrue(out.toString().contains("tandem.primary.name"), "config defaults printed to the given writer");

    StringWriter bad = new StringWriter();
    int code = TandemCli.run(new String[] {"--conf", site(dir).toString(), "-D", "=v", "policy", "list"},
        new PrintWriter(new StringWriter()), new PrintWriter(bad));
    assertEquals(2, code, bad.toString());
    assertTrue(bad.toString().contains("-D"), "the error names the option: " + bad);
    assertTrue(Files.exists(dir.resolve("tandem-site.xml")));
  }
}
