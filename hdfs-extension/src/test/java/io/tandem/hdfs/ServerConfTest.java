package io.tandem.hdfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.server.namenode.INodeAttributeProvider;
import org.junit.jupiter.api.Test;

import io.tandem.core.config.ServerConf;

/** The value parsing of the server-side parts: empty means default, bad means default and one ERROR line. */
class ServerConfTest {
  private static final String KEY = "tandem.test.key";

  private static int site;

  /** A fresh "site" each time, so a refusal already logged in this JVM is logged again. */
  private static ServerConf conf(String value) {
    Configuration c = new Configuration(false);
    if (value != null) {
      c.set(KEY, value);
    }
    return new ServerConf(c, "test-site-" + (++site) + ".xml");
  }

  /** Runs {@code read} and returns the ERROR lines it logged about KEY. */
  private static List<String> errors(Runnable read) {
    try (LogCapture log = LogCapture.start()) {
      read.run();
      return log.errorsAbout(KEY);
    }
  }

  private static void assertOneFixLine(List<String> errors, String value) {
    assertEquals(1, errors.size(), errors.toString());
    String line = errors.get(0);
    assertTrue(line.contains(KEY + " = '" + value + "'"), line);
    assertTrue(line.contains("Fix:"), line);
    assertTrue(!line.contains("[with a stack trace]"), line);
  }

  @Test
  void theSameRefusalIsLoggedOncePerJvm() {
    Configuration c = new Configuration(false);
    c.set(KEY, "twice");
    assertEquals(1, errors(() -> {
      new ServerConf(c, "once-site.xml").intAtLeast(KEY, 1, 1);
      new ServerConf(c, "once-site.xml").intAtLeast(KEY, 1, 1);
    }).size());
  }

  @Test
  void absentAndEmptyMeanTheDefaultSilently() {
    for (String v : new String[] {null, "", "   "}) {
      assertEquals(List.of(), errors(() -> {
        assertEquals(30_000L, conf(v).durationMs(KEY, 30_000, 1));
        assertEquals(4, conf(v).intAtLeast(KEY, 4, 1));
        assertEquals("/d", conf(v).trimmed(KEY, "/d"));
        assertNull(conf(v).implementation(KEY, INodeAttributeProvider.class, null, "none"));
      }));
    }
  }

  @Test
  void durationsTakeHadoopsUnits() {
    assertEquals(10_000L, conf("10000").durationMs(KEY, 1, 1));
    assertEquals(10_000L, conf(" 10s ").durationMs(KEY, 1, 1));
    assertEquals(60_000L, conf("1m").durationMs(KEY, 1, 1));
    assertEquals(Integer.MAX_VALUE, conf("100000d").timeoutMs(KEY, 5));
  }

  @Test
  void aNonNumericTimeoutIsRefusedWithOneLine() {
    List<String> errors = errors(() -> assertEquals(30_000, conf("thirty").timeoutMs(KEY, 30_000)));
    assertOneFixLine(errors, "thirty");
    assertTrue(errors.get(0).contains("using 30000 ms"), errors.get(0));
  }

  @Test
  void belowTheMinimumIsRefused() {
    assertOneFixLine(errors(() -> assertEquals(30_000, conf("0").timeoutMs(KEY, 30_000))), "0");
    assertOneFixLine(errors(() -> assertEquals(256, conf("-3").intAtLeast(KEY, 256, 1))), "-3");
    assertOneFixLine(errors(() -> assertEquals(256, conf("many").intAtLeast(KEY, 256, 1))), "many");
  }

  @Test
  void classes() {
    assertSame(TandemAttributeProvider.class,
        conf(TandemAttributeProvider.class.getName()).implementation(KEY, INodeAttributeProvider.class, null, "x"));
    assertOneFixLine(errors(() -> assertNull(conf("org.example.Missing")
        .implementation(KEY, INodeAttributeProvider.class, null, "none"))), "org.example.Missing");
    assertOneFixLine(errors(() -> assertNull(conf("java.lang.String")
        .implementation(KEY, INodeAttributeProvider.class, null, "none"))), "java.lang.String");
    assertOneFixLine(errors(() -> assertNull(conf(TandemAttributeProvider.class.getName())
        .implementation(KEY, INodeAttributeProvider.class, TandemAttributeProvider.class, "none"))),
        TandemAttributeProvider.class.getName());
  }

  @Test
  void theChainedProviderIsNeverFatal() {
    for (String v : new String[] {"", "org.example.NoSuchProvider", "java.lang.String",
        TandemAttributeProvider.class.getName()}) {
      Configuration c = new Configuration(false);
      c.set("tandem.hdfs.chained.attributes.provider.class", v);
      TandemAttributeProvider p = new TandemAttributeProvider();
      p.setConf(c);
      p.start();
      assertNotNullEnforcer(p);
      p.stop();
    }
  }

  private static void assertNotNullEnforcer(TandemAttributeProvider p) {
    assertTrue(p.getExternalAccessControlEnforcer(null) == null, "no chained provider and no guard: HDFS's own");
  }
}
