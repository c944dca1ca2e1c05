package io.tandem.hdfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.PrivilegedExceptionAction;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.security.AccessControlException;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.tandem.core.identity.GuardAck;
import io.tandem.core.identity.IdentityLayout;
import io.tandem.core.identity.IdentityRecord;
import io.tandem.core.identity.ProtectedSets;

/**
 * The NameNode's identity guard against writes it cannot see through permission checks, on a real
 * NameNode (Tandem's attribute provider and plugin loaded) and a real controller ZooKeeper:
 * streams opened while the cluster was primary, and the time before the guard's first read after
 * a restart. Writes go as a non-superuser application user ({@code app}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NameNodeGuardTest {
  private static final IdentityLayout LAYOUT = new IdentityLayout("/tandem");
  private static final String CLUSTER = "c1";
  private static final String OTHER = "c2";
  private static final String PROTECTED = "/prot";
  private static final String FREE = "/free";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private TestingServer zkServer;
  private CuratorFramework zk;
  private MiniDFSCluster cluster;
  private FileSystem app;

  @BeforeAll
  void start() throws Exception {
    zkServer = new TestingServer(true);
    zk = CuratorFrameworkFactory.newClient(zkServer.getConnectString(), 10_000, 5_000,
        new ExponentialBackoffRetry(100, 6));
    zk.start();
    assertTrue(zk.blockUntilConnected(30, TimeUnit.SECONDS));
    write(LAYOUT.protectedSets(), new ProtectedSets(Set.of(), Set.of(), Set.of(PROTECTED)).encode());
    write(LAYOUT.identity(), record(CLUSTER, 1).encode());

    Configuration conf = new Configuration();
    conf.set("dfs.namenode.inode.attributes.provider.class", TandemAttributeProvider.class.getName());
    conf.set("dfs.namenode.plugins", TandemNameNodePlugin.class.getName());
    conf.setBoolean("dfs.permissions.enabled", true);
    conf.setBoolean(MultiDirSnapshotter.CAPTURE_OPEN_FILES, true);
    conf.set("tandem.guard.zk.quorum", zkServer.getConnectString());
    conf.set("tandem.cluster.name", CLUSTER);
    conf.setInt("tandem.guard.zk.session.timeout.ms", 4000);
    java.nio.file.Path dir = Files.createTempDirectory("tandem-nn-guard");
    cluster = new MiniDFSCluster.Builder(conf, dir.toFile()).numDataNodes(1).build();
    cluster.waitActive();
    DistributedFileSystem admin = cluster.getFileSystem();
    for (String d : List.of(PROTECTED, FREE)) {
      admin.mkdirs(new Path(d));
      admin.setPermission(new Path(d), new FsPermission((short) 0777));
    }
    app = appFs();
    awaitAck(1, true);
  }

  private FileSystem appFs() throws Exception {
    return UserGroupInformation.createRemoteUser("app").doAs(
        (PrivilegedExceptionAction<FileSystem>) () -> FileSystem.newInstance(cluster.getURI(), cluster.getConfiguration(0)));
  }

  @AfterAll
  void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {app, () -> {
      if (cluster != null) {
        cluster.shutdown(true);
      }
    }, zk, zkServer}) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          // shutting down
        }
      }
    }
  }

  /**
   * A demotion ends the writes of streams open under protected directories: without that (the
   * negative control: the plugin's part taken away) such a stream keeps writing and closes fine
   * after the guard has acked its refusal; with it the stream's next flush or close fails, the
   * file is closed by lease recovery before the ack, and its length stops growing. A stream under
   * an unprotected directory writes on throughout.
   */
  @Test
  void aDemotionEndsTheWritesOfStreamsOpenUnderProtectedDirectories() throws Exception {
    TandemAttributeProvider provider = TandemAttributeProvider.of(cluster.getNameNode().getConf());
    assertNotNull(provider, "the plugin finds its NameNode's provider");

    // Negative control: nothing ends open writes.
    provider.endOpenWritesWith(null);
    try {
      write(LAYOUT.identity(), record(CLUSTER, 2).encode());
      awaitAck(2, true);
      try (StreamWriter w = new StreamWriter(app, PROTECTED + "/unended")) {
        await("the stream writes", () -> w.flushed() >= 20);
        write(LAYOUT.identity(), record(OTHER, 3).encode());
        awaitAck(3, false);
        int atAck = w.flushed();
        await("the stream writes on after the refusal was acked", () -> w.flushed() >= atAck + 20);
        w.stopWriting();
        assertNull(w.failure(), "the hole: nothing stops a stream opened before the demotion");
        w.out.close();
        System.out.println("GUARD-METRIC without ending open writes: " + (w.flushed() - atAck)
            + " records hflushed into " + PROTECTED + " after the guard acked its refusal, and the file closed");
      }
    } finally {
      TandemAttributeProvider.of(cluster.getNameNode().getConf()).endOpenWritesWith(
          new TandemNameNodePluginAccess(cluster).ender());
    }

    write(LAYOUT.identity(), record(CLUSTER, 4).encode());
    awaitAck(4, true);
    try (StreamWriter w = new StreamWriter(app, PROTECTED + "/ended");
        StreamWriter free = new StreamWriter(app, FREE + "/kept")) {
      await("both streams write", () -> w.flushed() >= 20 && free.flushed() >= 20);
      long t0 = System.nanoTime();
      write(LAYOUT.identity(), record(OTHER, 5).encode());
      GuardAck ack = awaitAck(5, false);
      long ackMs = (System.nanoTime() - t0) / 1_000_000;
      await("the stream's writes fail", () -> w.failure() != null);
      int flushed = w.flushed();
      long failedAt = System.nanoTime();
      int freeAtFailure = free.flushed();
      try (FileSystem fresh = FileSystem.newInstance(cluster.getURI(), cluster.getConfiguration(0))) {
        String content = read(fresh, PROTECTED + "/ended");
        assertTrue(content.startsWith(OpenFileSnapshotTest.records(0, flushed)),
            "every record hflushed before the end is readable");
        await("the unprotected stream writes on", () -> free.flushed() >= freeAtFailure + 50);
        String later = read(fresh, PROTECTED + "/ended");
        assertEquals(content.length(), later.length(), "the protected file stopped growing");
        w.stopWriting();
        assertThrows(IOException.class, w.out::close, "the writer's close fails");
        assertThrows(IOException.class, () -> {
          w.out.write(new byte[] {'x'});
          w.out.hflush();
        }, "so does any further write");
        assertEquals(content.length(), read(fresh, PROTECTED + "/ended").length(), "still the same length");
        System.out.println("GUARD-METRIC demotion with open streams: refusal acked " + ackMs + " ms after the record"
            + " changed; the protected stream failed after " + flushed + " records hflushed, its file readable at "
            + content.length() + " bytes and unchanged " + (System.nanoTime() - failedAt) / 1_000_000
            + " ms later while the unprotected stream wrote " + (free.flushed() - freeAtFailure) + " more records;"
            + " closed by recovery: " + ((org.apache.hadoop.hdfs.DistributedFileSystem) fresh).isFileClosed(
                new Path(PROTECTED + "/ended")));
      }
      free.stopWriting();
      assertNull(free.failure(), "the unprotected stream never failed");
      free.out.close();
    }
  }

  /**
   * A guard cut off from the controller's ZooKeeper for a third of its session timeout (by when the
   * server may have expired its session, and a switch may count it as gone) ends the writes open
   * under protected directories too, not before; unprotected streams write on.
   */
  @Test
  void losingTheControllerZooKeeperEndsOpenWritesAfterAThirdOfTheSessionTimeout() throws Exception {
    write(LAYOUT.identity(), record(CLUSTER, 20).encode());
    awaitAck(20, true);
    long stoppedAt;
    long failedAt;
    try (StreamWriter w = new StreamWriter(app, PROTECTED + "/cut-off");
        StreamWriter free = new StreamWriter(app, FREE + "/cut-off")) {
      await("both streams write", () -> w.flushed() >= 20 && free.flushed() >= 20);
      zkServer.stop();
      stoppedAt = System.nanoTime();
      try {
        await("the protected stream's writes fail", () -> w.failure() != null);
        failedAt = System.nanoTime();
        int freeAt = free.flushed();
        await("the unprotected stream writes on", () -> free.flushed() >= freeAt + 20);
      } finally {
        zkServer.restart();
      }
      assertNull(free.failure());
    }
    long ms = (failedAt - stoppedAt) / 1_000_000;
    System.out.println("GUARD-METRIC controller ZooKeeper stopped with a stream open under a protected dir: its writes"
        + " failed " + ms + " ms later (session timeout 4000 ms)");
    assertTrue(ms >= 4000 / 3, "not before a third of the session timeout: " + ms + " ms");
    awaitAck(20, true);
  }

  /**
   * A NameNode restarted while the controller's ZooKeeper is down refuses application writes to
   * the directories its guard last protected, saying it has not read the identity record yet, and
   * allows them once it has read a record naming its cluster primary.
   */
  @Test
  void aNameNodeRestartedWithoutTheControllerZooKeeperRefusesUntilItHasReadTheRecord() throws Exception {
    write(LAYOUT.identity(), record(CLUSTER, 10).encode());
    awaitAck(10, true);
    app.create(new Path(PROTECTED + "/before-restart")).close();

    zkServer.stop();
    try {
      cluster.restartNameNode(true);
      app.close();
      app = appFs();
      AccessControlException e = assertThrows(AccessControlException.class,
          () -> app.create(new Path(PROTECTED + "/while-unread")).close());
      assertTrue(e.getMessage().contains("Tandem guard has not read the identity record yet"), e.getMessage());
      assertTrue(e.getMessage().contains(PROTECTED + "/while-unread"), e.getMessage());
      assertFalse(e.getMessage().strip().contains("\n"), "one line: " + e.getMessage());
      app.create(new Path(FREE + "/while-unread")).close(); // unprotected: allowed
    } finally {
      zkServer.restart();
    }
    long t0 = System.nanoTime();
    await("the NameNode accepts protected writes again", () -> {
      try {
        app.create(new Path(PROTECTED + "/after-read")).close();
        return true;
      } catch (AccessControlException e) {
        return false;
      }
    });
    System.out.println("GUARD-METRIC NameNode restarted without the controller's ZooKeeper: refused protected writes"
        + " until its first read; allowed " + (System.nanoTime() - t0) / 1_000_000 + " ms after ZooKeeper was back");
    awaitAck(10, true);
  }

  // ------------------------------------------------------------------------------------------

  /** Gets at the plugin the NameNode started, to hand its ender back after the negative control. */
  private record TandemNameNodePluginAccess(MiniDFSCluster cluster) {
    IdentityGuard.OpenWrites ender() throws ReflectiveOperationException {
      java.lang.reflect.Field f = org.apache.hadoop.hdfs.server.namenode.NameNode.class.getDeclaredField("plugins");
      f.setAccessible(true);
      @SuppressWarnings("unchecked")
      List<Object> plugins = (List<Object>) f.get(cluster.getNameNode());
      TandemNameNodePlugin p = plugins.stream().filter(x -> x instanceof TandemNameNodePlugin)
          .map(x -> (TandemNameNodePlugin) x).findFirst().orElseThrow();
      return p::endOpenWrites;
    }
  }

  /** Appends records to one file as the application, hflushing each, until stopped or refused. */
  private static final class StreamWriter implements AutoCloseable {
    final FSDataOutputStream out;
    private final Thread thread;
    private volatile int flushed;
    private volatile Throwable failure;
    private volatile boolean stop;

    StreamWriter(FileSystem fs, String path) throws IOException {
      out = fs.create(new Path(path));
      thread = new Thread(this::run, "writer-" + path);
      thread.setDaemon(true);
      thread.start();
    }

    private void run() {
      for (int i = 0; !stop; i++) {
        try {
          out.write(String.format("record-%08d%n", i).getBytes(StandardCharsets.US_ASCII));
          out.hflush();
          flushed = i + 1;
        } catch (IOException | RuntimeException e) {
          failure = e;
          return;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      }
    }

    int flushed() {
      return flushed;
    }

    Throwable failure() {
      return failure;
    }

    void stopWriting() throws InterruptedException {
      stop = true;
      thread.join(30_000);
      assertFalse(thread.isAlive());
    }

    @Override
    public void close() throws InterruptedException {
      stopWriting();
      try {
        out.close();
      } catch (IOException e) {
        // already asserted where it matters
      }
    }
  }

  private static String read(FileSystem fs, String path) throws IOException {
    try (InputStream in = fs.open(new Path(path))) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      in.transferTo(buf);
      return buf.toString(StandardCharsets.US_ASCII);
    }
  }

  private static IdentityRecord record(String primary, long epoch) {
    return new IdentityRecord(primary, epoch, Instant.now(), "NameNodeGuardTest");
  }

  private void write(String path, byte[] data) throws Exception {
    try {
      zk.setData().forPath(path, data);
    } catch (KeeperException.NoNodeException e) {
      zk.create().creatingParentsIfNeeded().forPath(path, data);
    }
  }

  /** Waits until this cluster's NameNode guard acks {@code epoch} with {@code allows}; returns the ack. */
  private GuardAck awaitAck(long epoch, boolean allows) {
    GuardAck[] found = new GuardAck[1];
    await("the NameNode's guard acks epoch " + epoch + (allows ? " allowing" : " refusing"), () -> {
      Map<String, GuardAck> acks = new TreeMap<>();
      String dir = LAYOUT.members(CLUSTER);
      if (zk.checkExists().forPath(dir) == null) {
        return false;
      }
      for (String m : zk.getChildren().forPath(dir)) {
        try {
          acks.put(m, GuardAck.decode(zk.getData().forPath(dir + "/" + m)));
        } catch (KeeperException.NoNodeException e) {
          // gone meanwhile
        }
      }
      for (GuardAck a : acks.values()) {
        if (a.epoch() == epoch && a.allowsWrites() == allows) {
          found[0] = a;
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  private static void await(String what, Callable<Boolean> condition) {
    io.tandem.testkit.Wait.until(what, WAIT, condition);
  }

}
