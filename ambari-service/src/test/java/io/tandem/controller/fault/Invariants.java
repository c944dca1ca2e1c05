package io.tandem.controller.fault;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.apache.curator.framework.CuratorFramework;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.SnapshotDescription;
import org.apache.hadoop.hbase.util.CommonFSUtils;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.protocol.SnapshottableDirectoryStatus;

import io.tandem.controller.catalog.BackupCatalog;
import io.tandem.controller.cut.ClusterSwitches;
import io.tandem.controller.verify.DirFingerprint;
import io.tandem.controller.verify.TableFingerprint;
import io.tandem.core.catalog.CutNames;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;

/**
 * What every fault case must leave true, checked from the clusters themselves (not from the
 * controller's own view):
 * <ol>
 *   <li>no cut is wrongly COMPLETE: every COMPLETE cut made during the case reads back, from its
 *       snapshots on the cluster holding its catalog, exactly the rows, hash and file checksums its
 *       manifest recorded from the primary;</li>
 *   <li>both clusters' balancer, split and merge switches are as before the case;</li>
 *   <li>nothing Tandem made is left that the COMPLETE cuts of the two catalogs do not explain: HBase
 *       snapshots {@code tandem-*} and HDFS snapshots {@code tandem-*} on both clusters, the
 *       verification scratch dir {@code /tandem/tmp}, ExportSnapshot staging
 *       {@code .hbase-snapshot/.tmp/tandem-*}, service and switch lock nodes, cut znodes and the
 *       switches record in the clusters' ZooKeepers, RUNNING manifests;</li>
 *   <li>never do both clusters accept writes to a protected table in overlapping intervals.</li>
 * </ol>
 */
final class Invariants {
  static final String SCRATCH = "/tandem/tmp";
  static final String CUT_ROOT = "/tandem/cuts";
  static final String SWITCHES_RECORD = ClusterSwitches.pathFor(CUT_ROOT);
  private static final Pattern TANDEM = Pattern.compile(Pattern.quote(CutNames.PREFIX) + ".*");
  /** Where this class restores snapshots to read them: not Tandem's scratch dir, which it counts. */
  private static final String OWN_SCRATCH = "/fault-verify";

  private Invariants() {
  }

  /** Everything Tandem-owned found on both clusters and in the ZooKeepers at one moment. */
  record Owned(Map<String, Set<String>> hbaseSnapshots, Map<String, Set<String>> hdfsSnapshots,
      Map<String, List<String>> scratch, Map<String, List<String>> staging, int serviceLocks, int switchLocks,
      Map<String, Integer> cutZnodes, Map<String, Boolean> switchesRecord, Map<String, List<Manifest>> catalogs) {

    Set<String> completeCutIds() {
      Set<String> out = new TreeSet<>();
      catalogs.values().forEach(l -> l.stream().filter(m -> m.state() == CutState.COMPLETE)
          .forEach(m -> out.add(m.cutId())));
      return out;
    }

    /** Snapshot names the COMPLETE cuts of both catalogs account for. */
    Set<String> explained() {
      Set<String> out = new HashSet<>();
      catalogs.values().forEach(l -> l.stream().filter(m -> m.state() == CutState.COMPLETE).forEach(m -> {
        m.tables().forEach(t -> out.add(t.snapshot()));
        out.add(CutNames.dirSnapshot(m.cutId()));
      }));
      return out;
    }

    int count(Map<String, ? extends java.util.Collection<?>> m) {
      return m.values().stream().mapToInt(java.util.Collection::size).sum();
    }

    /** One line for the report. */
    String summary() {
      return "hbase-snapshots=" + count(hbaseSnapshots) + " hdfs-snapshots=" + count(hdfsSnapshots) + " scratch="
          + count(scratch) + " staging=" + count(staging) + " locks=" + serviceLocks + "+" + switchLocks + " cut-znodes="
          + cutZnodes.values().stream().mapToInt(Integer::intValue).sum() + " switches-record="
          + switchesRecord.values().stream().filter(b -> b).count() + " complete-cuts=" + completeCutIds().size();
    }

    /**
     * What is wrong compared with the state before the case ({@code before} supplies the count
     * of cut znodes, which the primary's cut protocol may keep between cuts).
     */
    List<String> problems(Owned before) {
      List<String> out = new ArrayList<>();
      Set<String> explained = explained();
      hbaseSnapshots.forEach((c, names) -> names.stream().filter(n -> !explained.contains(n))
          .forEach(n -> out.add("HBase snapshot " + n + " on " + c + " belongs to no COMPLETE cut")));
      hdfsSnapshots.forEach((c, paths) -> paths.stream()
          .filter(p -> !explained.contains(p.substring(p.lastIndexOf('/') + 1)))
          .forEach(p -> out.add("HDFS snapshot " + p + " on " + c + " belongs to no COMPLETE cut")));
      scratch.forEach((c, l) -> l.forEach(p -> out.add("scratch " + p + " left on " + c)));
      staging.forEach((c, l) -> l.forEach(p -> out.add("snapshot staging " + p + " left on " + c)));
      if (serviceLocks > 0) {
        out.add(serviceLocks + " service lock node(s) still held");
      }
      if (switchLocks > 0) {
        out.add(switchLocks + " switch lock node(s) still held");
      }
      cutZnodes.forEach((c, n) -> {
        int was = before == null ? 0 : before.cutZnodes().getOrDefault(c, 0);
        if (n > was) {
          out.add((n - was) + " more cut znode(s) under " + CUT_ROOT + " in " + c + "'s ZooKeeper (" + was + " -> " + n
              + ")");
        }
      });
      switchesRecord.forEach((c, there) -> {
        if (there) {
          out.add("balancer/split/merge record " + SWITCHES_RECORD + " left in " + c + "'s ZooKeeper");
        }
      });
      catalogs.forEach((c, l) -> l.stream().filter(m -> m.state() == CutState.RUNNING)
          .forEach(m -> out.add("cut " + m.cutId() + " is still RUNNING in the catalog on " + c)));
      // A COMPLETE cut must still be restorable: its snapshots are on the cluster holding its catalog.
      catalogs.forEach((c, l) -> l.stream().filter(m -> m.state() == CutState.COMPLETE).forEach(m -> {
        m.tables().stream().filter(t -> !hbaseSnapshots.get(c).contains(t.snapshot()))
            .forEach(t -> out.add("COMPLETE cut " + m.cutId() + " lost its HBase snapshot " + t.snapshot() + " on " + c));
        m.dirs().stream().filter(d -> !hdfsSnapshots.get(c).contains(d.replicaPath() + "/.snapshot/" + d.snapshot()))
            .forEach(d -> out.add("COMPLETE cut " + m.cutId() + " lost its replica snapshot " + d.replicaPath()
                + "/.snapshot/" + d.snapshot() + " on " + c));
      }));
      return out;
    }
  }

  /** Reads everything Tandem-owned on both clusters. */
  static Owned scan(FaultEnv env) throws Exception {
    Map<String, Set<String>> hbase = new LinkedHashMap<>();
    Map<String, Set<String>> hdfs = new LinkedHashMap<>();
    Map<String, List<String>> scratch = new LinkedHashMap<>();
    Map<String, List<String>> staging = new LinkedHashMap<>();
    Map<String, Integer> znodes = new LinkedHashMap<>();
    Map<String, Boolean> record = new LinkedHashMap<>();
    Map<String, List<Manifest>> catalogs = new LinkedHashMap<>();
    for (String c : FaultEnv.CLUSTERS) {
      HBaseTestingUtility util = env.util(c);
      Set<String> snaps = new TreeSet<>();
      try (Admin admin = util.getConnection().getAdmin()) {
        for (SnapshotDescription d : admin.listSnapshots(TANDEM)) {
          snaps.add(d.getName());
        }
      }
      hbase.put(c, snaps);
      DistributedFileSystem fs = env.fs(c);
      Set<String> dirSnaps = new TreeSet<>();
      SnapshottableDirectoryStatus[] dirs = fs.getSnapshottableDirListing();
      for (SnapshottableDirectoryStatus d : dirs == null ? new SnapshottableDirectoryStatus[0] : dirs) {
        Path dir = d.getFullPath();
        for (FileStatus st : fs.listStatus(new Path(dir, ".snapshot"))) {
          if (st.getPath().getName().startsWith(CutNames.PREFIX)) {
            dirSnaps.add(dir.toUri().getPath() + "/.snapshot/" + st.getPath().getName());
          }
        }
      }
      hdfs.put(c, dirSnaps);
      scratch.put(c, list(fs, new Path(SCRATCH), ""));
      Path root = CommonFSUtils.getRootDir(util.getConfiguration());
      staging.put(c, list(fs, new Path(root, ".hbase-snapshot/.tmp"), CutNames.PREFIX));
      CuratorFramework zk = env.clusterZk(c);
      znodes.put(c, zk.checkExists().forPath(CUT_ROOT) == null ? 0 : zk.getChildren().forPath(CUT_ROOT).size());
      record.put(c, zk.checkExists().forPath(SWITCHES_RECORD) != null);
      BackupCatalog catalog = new BackupCatalog(fs, env.catalogDir());
      List<Manifest> cuts = new ArrayList<>();
      for (String s : catalog.services()) {
        cuts.addAll(catalog.list(s));
      }
      catalogs.put(c, cuts);
    }
    return new Owned(hbase, hdfs, scratch, staging, env.locks().held(), env.switchLockNodes(), znodes, record,
        catalogs);
  }

  private static List<String> list(DistributedFileSystem fs, Path dir, String prefix) throws IOException {
    List<String> out = new ArrayList<>();
    if (!fs.exists(dir)) {
      return out;
    }
    for (FileStatus st : fs.listStatus(dir)) {
      if (st.getPath().getName().startsWith(prefix)) {
        out.add(st.getPath().toUri().getPath());
      }
    }
    return out;
  }

  /** Both clusters' balancer/split/merge switches. */
  static Map<String, ClusterSwitches.State> switches(FaultEnv env) throws IOException {
    Map<String, ClusterSwitches.State> out = new LinkedHashMap<>();
    for (String c : FaultEnv.CLUSTERS) {
      try (Admin admin = env.util(c).getConnection().getAdmin()) {
        out.put(c, ClusterSwitches.State.of(admin));
      }
    }
    return out;
  }

  /**
   * Reads back every COMPLETE cut of {@code after} that was not COMPLETE in {@code before} from its
   * snapshots on the cluster holding its catalog; returns what does not match its manifest.
   */
  static List<String> wronglyComplete(FaultEnv env, Owned before, Owned after) throws IOException {
    Set<String> old = before.completeCutIds();
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, List<Manifest>> e : after.catalogs().entrySet()) {
      for (Manifest m : e.getValue()) {
        if (m.state() == CutState.COMPLETE && !old.contains(m.cutId())) {
          out.addAll(verify(env, e.getKey(), m));
        }
      }
    }
    return out;
  }

  /**
   * Reads a COMPLETE cut back from its snapshots on {@code cluster} (the one holding its catalog):
   * each table's rows and content hash, each replica's files and checksum digest, as its manifest
   * recorded them from the primary. Returns what does not match.
   */
  static List<String> verify(FaultEnv env, String cluster, Manifest m) throws IOException {
    List<String> out = new ArrayList<>();
    DistributedFileSystem fs = env.fs(cluster);
    for (Manifest.TableEntry t : m.tables()) {
      try {
        TableFingerprint f = TableFingerprint.of(env.util(cluster).getConfiguration(), fs, t.snapshot(), OWN_SCRATCH);
        if (f.rows() != t.rows() || !f.hash().equals(t.contentHash())) {
          out.add("COMPLETE cut " + m.cutId() + ": table " + t.table() + " reads " + f.rows() + " rows (hash "
              + f.hash() + ") on " + cluster + ", its manifest says " + t.rows() + " rows (hash " + t.contentHash()
              + ")");
        }
      } catch (IOException ex) {
        out.add("COMPLETE cut " + m.cutId() + ": snapshot " + t.snapshot() + " unreadable on " + cluster + ": " + ex);
      }
    }
    for (Manifest.DirEntry d : m.dirs()) {
      try {
        DirFingerprint f = DirFingerprint.of(fs, new Path(d.replicaPath() + "/.snapshot/" + d.snapshot()));
        if (!f.digest().equals(d.checksumDigest()) || f.files().size() != d.files()) {
          out.add("COMPLETE cut " + m.cutId() + ": replica " + d.replicaPath() + " holds " + f.files().size()
              + " files (digest " + f.digest() + ") on " + cluster + ", its manifest says " + d.files() + " ("
              + d.checksumDigest() + ")");
        }
      } catch (IOException ex) {
        out.add("COMPLETE cut " + m.cutId() + ": replica snapshot of " + d.path() + " unreadable on " + cluster + ": "
            + ex);
      }
    }
    return out;
  }

  /**
   * The clusters whose accepted writes follow each other in time, run by run: for example
   * [primary, secondary] when the primary accepted until some moment and the secondary from a
   * later one. Any interleaving shows up as more runs.
   */
  static List<String> acceptingRuns(List<ProtectedWriter> writers) throws IOException {
    List<ProtectedWriter.Accepted> all = new ArrayList<>();
    for (ProtectedWriter w : writers) {
      all.addAll(w.accepted());
    }
    all.sort(Comparator.comparingLong(ProtectedWriter.Accepted::at));
    List<String> runs = new ArrayList<>();
    for (ProtectedWriter.Accepted a : all) {
      if (runs.isEmpty() || !runs.get(runs.size() - 1).equals(a.cluster())) {
        runs.add(a.cluster());
      }
    }
    return runs;
  }

  /** Where the accepting clusters changed, with the moments on either side, for the failure message. */
  static String handovers(List<ProtectedWriter> writers) throws IOException {
    List<ProtectedWriter.Accepted> all = new ArrayList<>();
    for (ProtectedWriter w : writers) {
      all.addAll(w.accepted());
    }
    all.sort(Comparator.comparingLong(ProtectedWriter.Accepted::at));
    StringBuilder sb = new StringBuilder();
    for (int i = 1; i < all.size(); i++) {
      if (!all.get(i).cluster().equals(all.get(i - 1).cluster())) {
        sb.append(String.format(" [%s %s@%d -> %s %s@%d]", all.get(i - 1).cluster(), all.get(i - 1).row(),
            all.get(i - 1).at(), all.get(i).cluster(), all.get(i).row(), all.get(i).at()));
      }
    }
    return sb.toString();
  }
}
