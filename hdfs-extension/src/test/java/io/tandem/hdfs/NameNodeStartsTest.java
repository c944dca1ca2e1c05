package io.tandem.hdfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A real NameNode with Tandem's attribute provider and plugin starts and serves writes whatever
 * Tandem's keys hold: an empty chained provider (what the service advisor once recommended), or a
 * class that does not exist, plus bad timeouts and roots. One MiniDFSCluster per nested class.
 */
class NameNodeStartsTest {
  static final String CHAINED = "tandem.hdfs.chained.attributes.provider.class";

  abstract static class WithCluster {
    MiniDFSCluster cluster;
    LogCapture log;

    abstract void configure(Configuration conf);

    @BeforeAll
    void start() throws Exception {
      Configuration conf = new Configuration();
      conf.set("dfs.namenode.inode.attributes.provider.class", TandemAttributeProvider.class.getName());
      conf.set("dfs.namenode.plugins", TandemNameNodePlugin.class.getName());
      configure(conf);
      log = LogCapture.start();
      java.nio.file.Path dir = Files.createTempDirectory("tandem-nn-starts");
      cluster = new MiniDFSCluster.Builder(conf, dir.toFile()).numDataNodes(1).build();
      cluster.waitActive();
    }

    @AfterAll
    void stop() {
      if (cluster != null) {
        cluster.shutdown(true);
      }
      if (log != null) {
        log.close();
      }
    }

    void assertWritesWork() throws Exception {
      FileSystem fs = cluster.getFileSystem();
      Path p = new Path("/data/tandem-starts/file");
      try (FSDataOutputStream out = fs.create(p, true)) {
        out.write("written".getBytes(StandardCharsets.UTF_8));
      }
      assertEquals(7, fs.getFileStatus(p).getLen());
      assertTrue(cluster.getNameNode().isActiveState());
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class EmptyChainedProvider extends WithCluster {
    @Override
    void configure(Configuration conf) {
      conf.set(CHAINED, "");
    }

    @Test
    void theNameNodeStartsAndServesWrites() throws Exception {
      assertWritesWork();
      assertEquals(List.of(), log.errorsAbout(CHAINED), "empty means none, silently");
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class GarbageEverywhere extends WithCluster {
    @Override
    void configure(Configuration conf) {
      conf.set(CHAINED, "org.example.NoSuchAuthorizer");
      conf.set("tandem.guard.zk.quorum", "127.0.0.1:1");
      conf.set("tandem.guard.zk.session.timeout.ms", "ten seconds");
      conf.set(HdfsCutKeys.ZK_QUORUM, "127.0.0.1:1");
      conf.set(HdfsCutKeys.ZK_SESSION_TIMEOUT_MS, "-5");
      conf.set(HdfsCutKeys.CUT_ROOT, "relative");
    }

    @Test
    void theNameNodeStartsAndServesWrites() throws Exception {
      assertWritesWork();
    }

    @Test
    void eachBadValueIsOneErrorLineNamingKeyValueAndFix() {
      List<String> chained = log.errorsAbout(CHAINED);
      assertEquals(1, chained.size(), chained.toString());
      assertTrue(chained.get(0).contains("org.example.NoSuchAuthorizer"), chained.get(0));
      assertTrue(chained.get(0).contains("NOT applied"), chained.get(0));
      assertTrue(chained.get(0).contains("Fix:"), chained.get(0));
      for (String key : new String[] {HdfsCutKeys.ZK_SESSION_TIMEOUT_MS, HdfsCutKeys.CUT_ROOT}) {
        List<String> lines = log.errorsAbout(key + " = ");
        assertEquals(1, lines.size(), key + ": " + lines);
        assertTrue(lines.get(0).contains("Fix:"), lines.get(0));
      }
      assertTrue(log.errorsAbout("tandem.guard.zk.session.timeout.ms = 'ten seconds'").size() >= 1, log.errors().toString());
    }
  }
}
