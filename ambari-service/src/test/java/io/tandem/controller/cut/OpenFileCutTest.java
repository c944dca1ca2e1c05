package io.tandem.controller.cut;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.util.Bytes;
import org.apache.hadoop.hdfs.client.HdfsDataOutputStream;
import org.apache.hadoop.hdfs.client.HdfsDataOutputStream.SyncFlag;
import org.apache.hadoop.hdfs.server.namenode.snapshot.SnapshotManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.controller.ControllerFixture;
import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * A file open for write straight through fenced cuts, causally tied to HBase: for record i the
 * writer first puts row i into a table of the same cut, then appends record i to the open file and
 * hflushes it (every fifth record it also reports the file's length to the NameNode, hsync with
 * UPDATE_LENGTH, so the NameNode knows records' ends and cuts are not trivially empty). A record in
 * a cut's directory snapshot without its row in the cut's table snapshot would be a byte written
 * after the cut's instant. With {@code dfs.namenode.snapshot.capture.openfiles} (as testkit and the
 * advisor set it) no cut holds one, and a cut's view of the file never changes afterwards; the
 * negative control turns capture off in the running NameNode (behind the plugin's check) and the
 * same check catches records past the cut.
 */
@ExtendWith(TwoClusters.class)
class OpenFileCutTest {
  private static final String DIR = "/ofc/d";
  private static final int CUTS = 4;
  private static ClusterConnection primary;
  private static ClusterConnection secondary;
  private static EmbeddedClusters clusters;
  private static TableName table;
  private static final List<String> snapshots = new ArrayList<>();

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    clusters = c;
    primary = CutTestSupport.connect("primary", c.primary());
    secondary = CutTestSupport.connect("secondary", c.secondary());
    table = CutTestSupport.createTable(c.primary(), "ofc_rows", "r00000500");
    primary.fs().delete(new Path("/ofc"), true);
    primary.fs().mkdirs(new Path(DIR));
  }

  @AfterAll
  static void tearDown() throws IOException {
    try (Admin admin = primary.hbase().getAdmin()) {
      for (String s : snapshots) {
        admin.deleteSnapshot(s + "-" + table.getNameAsString());
        primary.fs().deleteSnapshot(new Path(DIR), s);
      }
    } finally {
      primary.close();
      secondary.close();
    }
  }

  private static String record(int i) {
    return String.format("record-%08d%n", i);
  }

  /** Puts row i, then appends record i to the open file: a record's row is always older than it. */
  private static final class CausalWriter implements AutoCloseable {
    private final FSDataOutputStream out;
    private final Thread thread;
    private volatile int written;
    private volatile Throwable failure;
    private volatile boolean stop;
    private final String rowPrefix;

    CausalWriter(String file, String rowPrefix) throws IOException {
      this.rowPrefix = rowPrefix;
      out = primary.fs().create(new Path(file));
      thread = new Thread(this::run, "causal-writer");
      thread.setDaemon(true);
      thread.start();
    }

    private void run() {
      try (Table t = primary.hbase().getTable(table)) {
        for (int i = 0; !stop; i++) {
          // The chain workload's row shape (two cells, the second naming the row): the cut views read
          // only whole rows.
          byte[] row = Bytes.toBytes(rowPrefix + String.format("%08d", i));
          t.put(new Put(row).addColumn(ChainWorkload.F, ChainWorkload.V, Bytes.toBytes(i))
              .addColumn(ChainWorkload.F, ChainWorkload.W, row));
          out.write(record(i).getBytes(StandardCharsets.US_ASCII));
          if (i % 5 == 4) {
            ((HdfsDataOutputStream) out).hsync(EnumSet.of(SyncFlag.UPDATE_LENGTH));
          } else {
            out.hflush();
          }
          written = i + 1;
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
      } catch (IOException | RuntimeException e) {
        failure = e;
      }
    }

    void awaitMore(int n) {
      int target = written + n;
      CutTestSupport.await("the writer writes " + n + " more records", Duration.ofSeconds(60),
          () -> written >= target || failure != null);
      assertNull(failure, () -> "writer failed: " + failure);
    }

    @Override
    public void close() throws Exception {
      stop = true;
      thread.join(30_000);
      assertFalse(thread.isAlive());
      out.close();
      assertNull(failure, () -> "writer failed: " + failure);
    }
  }

  /** One cut as read right after it was taken and again once the writer has moved on. */
  private record Seen(String cutId, String rowPrefix, String atCut, String later, Set<String> rows) {
    /** Records in the directory snapshot (as last read) whose row the table snapshot lacks. */
    List<Integer> pastTheCut() {
      List<Integer> out = new ArrayList<>();
      int n = later.length() / record(0).length();
      for (int i = 0; i < n; i++) {
        if (!rows.contains(rowPrefix + String.format("%08d", i))) {
          out.add(i);
        }
      }
      return out;
    }

    int records() {
      return later.length() / record(0).length();
    }
  }

  private static Seen cut(CausalWriter w, String cutId, FencedCutTaker taker) throws Exception {
    CutPlan plan = CutTestSupport.plan(cutId, List.of(table.getNameAsString()), List.of(DIR));
    CutResult r = taker.take(plan);
    snapshots.add(cutId);
    assertTrue(r.consistent(), r.toString());
    String atCut = read(DIR + "/.snapshot/" + cutId + "/log");
    w.awaitMore(40);
    String later = read(DIR + "/.snapshot/" + cutId + "/log");
    Set<String> rows = new SnapshotCutView(primary.conf(), plan).rows(table.getNameAsString());
    return new Seen(cutId, w.rowPrefix, atCut, later, rows);
  }

  @Test
  void noCutHoldsARecordWrittenAfterItsInstant() throws Exception {
    List<Seen> seen = new ArrayList<>();
    try (FencedCutTaker taker = new FencedCutTaker(primary, secondary, ControllerFixture.cutSettings());
        CausalWriter w = new CausalWriter(DIR + "/log", "a")) {
      w.awaitMore(30);
      for (int i = 0; i < CUTS; i++) {
        seen.add(cut(w, "ofc-" + i, taker));
      }
    }
    int most = 0;
    for (Seen s : seen) {
      assertEquals(List.of(), s.pastTheCut(), s.cutId() + ": records whose HBase row is not in the cut");
      assertEquals(s.atCut(), s.later(), s.cutId() + ": the cut's view of the open file changed after the cut");
      StringBuilder prefix = new StringBuilder();
      for (int i = 0; i < s.records(); i++) {
        prefix.append(record(i));
      }
      assertEquals(prefix.toString(), s.later(), s.cutId() + ": whole records 0..n-1");
      most = Math.max(most, s.records());
    }
    assertTrue(most > 0, "some cut holds records (else the check proves nothing): " + seen);
    System.out.println("OPEN-FILE-METRIC with capture: " + CUTS + " fenced cuts of an open file under load held "
        + seen.stream().map(s -> s.records() + "/" + s.rows().stream().filter(r -> r.startsWith("a")).count()).toList()
        + " records/its table rows; records without their row: 0; views changed after the cut: 0");
  }

  /**
   * The negative control: the same cuts with the running NameNode's open-file capture turned off
   * behind the plugin's check (its configuration still says true). The cut's view of the open file
   * grows past its instant, and the causal check finds records whose rows the cut does not hold.
   */
  @Test
  void withoutCaptureACutHoldsRecordsWrittenAfterIt() throws Exception {
    SnapshotManager snapshots = clusters.primary().getDFSCluster().getNamesystem().getSnapshotManager();
    Method capture = SnapshotManager.class.getDeclaredMethod("setCaptureOpenFiles", boolean.class);
    capture.setAccessible(true);
    Seen s;
    capture.invoke(snapshots, false);
    try (FencedCutTaker taker = new FencedCutTaker(primary, secondary, ControllerFixture.cutSettings());
        CausalWriter w = new CausalWriter(DIR + "/log-nocapture", "b")) {
      w.awaitMore(30);
      CutPlan plan = CutTestSupport.plan("ofc-nocap", List.of(table.getNameAsString()), List.of(DIR));
      assertTrue(taker.take(plan).consistent());
      OpenFileCutTest.snapshots.add("ofc-nocap");
      String atCut = read(DIR + "/.snapshot/ofc-nocap/log-nocapture");
      w.awaitMore(40);
      String later = read(DIR + "/.snapshot/ofc-nocap/log-nocapture");
      s = new Seen("ofc-nocap", "b", atCut, later, rowsOf(plan));
    } finally {
      capture.invoke(snapshots, true);
    }
    List<Integer> past = s.pastTheCut();
    System.out.println("OPEN-FILE-METRIC without capture: the cut's view of the open file grew from "
        + s.atCut().length() + " to " + s.later().length() + " bytes after T (" + (s.later().length() - s.atCut().length())
        + " bytes); " + past.size() + " of its " + s.records() + " records (" + past.size() * record(0).length()
        + " bytes) lack their HBase row in the cut: written after T");
    assertTrue(s.later().length() > s.atCut().length(), "without capture the cut's view of the file grows");
    assertFalse(past.isEmpty(), "the causal check catches records written after the cut");
  }

  private static Set<String> rowsOf(CutPlan plan) throws IOException {
    return new TreeSet<>(new SnapshotCutView(primary.conf(), plan).rows(table.getNameAsString()));
  }

  private static String read(String path) throws IOException {
    try (FileSystem fresh = FileSystem.newInstance(primary.fs().getUri(), primary.conf());
        InputStream in = fresh.open(new Path(path))) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      in.transferTo(buf);
      return buf.toString(StandardCharsets.US_ASCII);
    }
  }
}
