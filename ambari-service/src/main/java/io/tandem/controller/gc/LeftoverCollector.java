package io.tandem.controller.gc;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.curator.framework.CuratorFramework;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.SnapshotDescription;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.protocol.SnapshottableDirectoryStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.TandemConf;
import io.tandem.controller.catalog.BackupCatalog;
import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.controller.cut.ClusterSwitches;
import io.tandem.core.catalog.CutNames;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.policy.DataSet;
import io.tandem.core.policy.Policy;

/**
 * Finds, and unless asked for a dry run removes, what Tandem made on the two clusters that no
 * cut in the catalog needs any more: HBase snapshots {@code tandem-<cutId>-<table>} and HDFS
 * snapshots {@code tandem-<cutId>} of cuts that are not COMPLETE, the verification scratch dir's
 * contents, ExportSnapshot's staging leftovers, stale cut znodes in the primary's ZooKeeper, and
 * balancer/split/merge switches a dead controller left off ({@link ClusterSwitches#recover()}).
 *
 * <p>Invariants. It never touches anything of a service whose cut, restore or user sync is in
 * flight (its service lock is held): such a service's items are not even listed. It never
 * removes anything of a cut that is COMPLETE in the catalog of either cluster (after a switch
 * the older cuts' catalog stays on the cluster that is now primary). It never deletes replica
 * data: replica directories of services it does not know are only listed. Everything is listed
 * before the catalog and the locks are read, so a cut that starts meanwhile has nothing listed
 * and one that finished meanwhile is found COMPLETE.
 *
 * <p>Not thread-safe; one collection at a time per instance. Blocks on HDFS, HBase and ZooKeeper.
 */
public final class LeftoverCollector {
  private static final Logger LOG = LoggerFactory.getLogger(LeftoverCollector.class);
  /** Where verification restores snapshots to read them (see BackupService). */
  public static final String SCRATCH_DIR = "/tandem/tmp";
  /** tandem-&lt;cutId&gt; optionally followed by -&lt;table&gt;. */
  private static final Pattern TANDEM_NAME = Pattern.compile(
      Pattern.quote(CutNames.PREFIX) + "([a-z][a-z0-9_-]{0,47}?-\\d{8}T\\d{9}Z)(?:-(.+))?");

  /** What an item is. */
  public enum Kind {
    /** {@code tandem-<cutId>-<table>} HBase snapshot. */
    HBASE_SNAPSHOT,
    /** {@code tandem-<cutId>} HDFS snapshot of a directory or of its replica. */
    HDFS_SNAPSHOT,
    /** Anything in the verification scratch dir {@value #SCRATCH_DIR}. */
    SCRATCH,
    /** ExportSnapshot's or a snapshot's staging dir {@code <hbase.rootdir>/.hbase-snapshot/.tmp/tandem-*}. */
    EXPORT_STAGING,
    /** A cut's znode under {@code tandem.cut.zk.root} in the primary's ZooKeeper. */
    CUT_ZNODE,
    /** The record of switches a dead controller left off; "removed" means restored. */
    SWITCHES,
    /** A replica directory of a service Tandem does not know; listed, never removed. */
    UNKNOWN_REPLICA,
    /** A restore drill's scratch table ({@code tandem_drill:<service>.*}) or scratch dir a killed drill left. */
    DRILL_SCRATCH
  }

  /**
   * One leftover.
   *
   * @param cluster the cluster's name
   * @param name    snapshot name, path or znode
   * @param cutId   the cut it belongs to, when the name says
   * @param bytes   its size when that was cheap to learn, else null
   * @param removed whether it was removed (restored, for {@link Kind#SWITCHES}) by this run
   * @param note    why it is a leftover, or why it was not removed
   */
  public record Item(Kind kind, String cluster, String name, String cutId, Long bytes, boolean removed,
      String note) {
  }

  /**
   * What a collection found and did.
   *
   * @param busy   services left alone because their lock was held
   * @param errors what could not be read or removed (the rest was still done)
   */
  public record Report(boolean dryRun, Instant at, String primary, String secondary, List<Item> items,
      List<String> busy, List<String> errors) {
    public long removed() {
      return items.stream().filter(Item::removed).count();
    }

    public boolean ok() {
      return errors.isEmpty();
    }
  }

  private final ClusterConnection primary;
  private final ClusterConnection secondary;
  private final ControllerContext.Roles roles;
  private final TandemConf conf;
  private final Predicate<String> inFlight;
  private final Clock clock;

  /**
   * @param roles    the wiring as it is now (which cluster is primary), e.g. {@code ctx.roles()}
   * @param inFlight whether a service has a cut, restore or sync in flight, e.g.
   *                 {@code ServiceLocks::isLocked}
   */
  public LeftoverCollector(ControllerContext.Roles roles, TandemConf conf, Predicate<String> inFlight) {
    this.roles = Objects.requireNonNull(roles, "roles");
    this.primary = roles.primary();
    this.secondary = roles.secondary();
    this.conf = Objects.requireNonNull(conf, "conf");
    this.inFlight = Objects.requireNonNull(inFlight, "inFlight");
    this.clock = Clock.systemUTC();
  }

  /** A candidate before the catalog and the locks are read. */
  private record Candidate(Kind kind, ClusterConnection cluster, String name, String cutId, Long bytes,
      Remover remover) {
  }

  @FunctionalInterface
  private interface Remover {
    void remove() throws Exception;
  }

  /**
   * Collects. With {@code dryRun} it only lists (switches a dead controller left off are listed,
   * not restored).
   */
  public Report collect(boolean dryRun) {
    Instant at = clock.instant();
    List<String> errors = new ArrayList<>();
    List<Item> items = new ArrayList<>();

    // 1. List everything first.
    List<Candidate> candidates = new ArrayList<>();
    Set<String> dirs = new TreeSet<>();
    Map<String, Set<String>> dirsByService = new LinkedHashMap<>();
    Set<String> known = knownServices(dirsByService, errors);
    Set<String> services = new TreeSet<>(known);
    dirsByService.values().forEach(dirs::addAll);
    for (ClusterConnection c : List.of(primary, secondary)) {
      listHBaseSnapshots(c, candidates, errors);
      listStaging(c, candidates, errors);
    }
    listDirSnapshots(primary, primaryDirs(dirs), candidates, errors);
    listDirSnapshots(secondary, replicaDirs(dirsByService), candidates, errors);
    CuratorFramework zk = null;
    String cutRoot = conf.get(TandemKeys.CUT_ZK_ROOT).replaceAll("/+$", "");
    try {
      zk = connectPrimaryZk();
      listCutZnodes(zk, cutRoot, candidates, errors);
    } catch (IOException e) {
      errors.add("ZooKeeper of " + primary.name() + ": " + e.getMessage());
    }
    List<Candidate> scratch = new ArrayList<>();
    for (ClusterConnection c : List.of(primary, secondary)) {
      listScratch(c, scratch, errors);
    }
    // A drill's scratch, by service (the candidate's cutId field holds the service here).
    List<Candidate> drillScratch = new ArrayList<>();
    for (ClusterConnection c : List.of(primary, secondary)) {
      listDrillScratch(c, drillScratch, errors);
    }

    try {
      // 2. Then the locks and the catalog, per service, and remove.
      Map<String, List<Candidate>> byService = new LinkedHashMap<>();
      for (Candidate cand : candidates) {
        byService.computeIfAbsent(serviceOf(cand.cutId()), k -> new ArrayList<>()).add(cand);
      }
      services.addAll(byService.keySet());
      List<String> busy = new ArrayList<>();
      for (String service : services) {
        if (isInFlight(service, errors)) {
          busy.add(service);
        }
      }
      for (Map.Entry<String, List<Candidate>> e : byService.entrySet()) {
        String service = e.getKey();
        if (busy.contains(service)) {
          LOG.info("gc: service {} is busy, its leftovers wait for the next run", service);
          continue;
        }
        Set<String> keep;
        try {
          keep = completeCuts(service);
        } catch (IOException ex) {
          errors.add("catalog of service " + service + ": " + ex.getMessage() + " (nothing of it removed)");
          continue;
        }
        for (Candidate cand : e.getValue()) {
          boolean snapshot = cand.kind() == Kind.HBASE_SNAPSHOT || cand.kind() == Kind.HDFS_SNAPSHOT;
          if (!snapshot) {
            // Staging dirs and cut znodes serve only a running cut, and none of this service runs.
            items.add(act(cand, dryRun, "cut " + cand.cutId() + " is not running", errors));
          } else if (!keep.contains(cand.cutId())) {
            items.add(act(cand, dryRun, "cut " + cand.cutId() + " is not COMPLETE in the catalog", errors));
          }
        }
      }
      // Scratch names carry no service: only when nothing at all is in flight.
      if (!scratch.isEmpty()) {
        if (busy.isEmpty()) {
          for (Candidate cand : scratch) {
            items.add(act(cand, dryRun, "verification scratch", errors));
          }
        } else {
          LOG.info("gc: {} entries in {} wait: services {} are busy", scratch.size(), SCRATCH_DIR, busy);
        }
      }
      for (Candidate cand : drillScratch) {
        // Only a drill of the service holding its lock makes or uses these.
        if (isInFlight(cand.cutId(), errors)) {
          continue;
        }
        items.add(act(new Candidate(cand.kind(), cand.cluster(), cand.name(), null, cand.bytes(), cand.remover()),
            dryRun, "left by a restore drill of " + cand.cutId() + " that did not finish", errors));
      }
      listUnknownReplicas(known, items, errors);
      if (zk != null) {
        switches(zk, cutRoot, dryRun, items, errors);
      }
      Report r = new Report(dryRun, at, primary.name(), secondary.name(), List.copyOf(items), List.copyOf(busy),
          List.copyOf(errors));
      LOG.info("gc{}: {} leftovers, {} removed, busy services {}, {} errors", dryRun ? " (dry run)" : "",
          r.items().size(), r.removed(), busy, errors.size());
      return r;
    } finally {
      if (zk != null) {
        zk.close();
      }
    }
  }

  private Item act(Candidate cand, boolean dryRun, String why, List<String> errors) {
    String where = cand.cluster().name();
    if (dryRun) {
      return new Item(cand.kind(), where, cand.name(), cand.cutId(), cand.bytes(), false, why);
    }
    try {
      cand.remover().remove();
      LOG.info("gc: removed {} {} on {} ({})", cand.kind(), cand.name(), where, why);
      return new Item(cand.kind(), where, cand.name(), cand.cutId(), cand.bytes(), true, why);
    } catch (Exception e) {
      String msg = "could not remove " + cand.kind() + " " + cand.name() + " on " + where + ": " + e;
      errors.add(msg);
      LOG.warn("gc: {}", msg);
      return new Item(cand.kind(), where, cand.name(), cand.cutId(), cand.bytes(), false, why + "; " + msg);
    }
  }

  private boolean isInFlight(String service, List<String> errors) {
    try {
      return inFlight.test(service);
    } catch (RuntimeException e) {
      errors.add("lock of service " + service + ": " + e.getMessage() + " (treated as busy)");
      return true;
    }
  }

  /** Services of policies and of both catalogs, and each one's directories (policy and manifests). */
  private Set<String> knownServices(Map<String, Set<String>> dirsByService, List<String> errors) {
    Set<String> out = new TreeSet<>();
    try {
      for (Policy p : roles.policies().list()) {
        out.add(p.service());
        for (DataSet d : p.of(DataSet.Kind.HDFS_DIR)) {
          dirsByService.computeIfAbsent(p.service(), k -> new TreeSet<>()).add(d.path());
        }
      }
    } catch (RuntimeException e) {
      errors.add("policies: " + e.getMessage());
    }
    for (BackupCatalog catalog : catalogs()) {
      try {
        for (String service : catalog.services()) {
          out.add(service);
          for (Manifest m : catalog.list(service)) {
            for (Manifest.DirEntry d : m.dirs()) {
              dirsByService.computeIfAbsent(service, k -> new TreeSet<>()).add(d.path());
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        errors.add("catalog: " + e.getMessage());
      }
    }
    return out;
  }

  /** The catalog on the secondary, and the one left on the primary from before a switch. */
  private List<BackupCatalog> catalogs() {
    String dir = conf.get(TandemKeys.CATALOG_DIR);
    List<BackupCatalog> out = new ArrayList<>();
    out.add(roles.catalog());
    try {
      out.add(new BackupCatalog(primary.fs(), dir));
    } catch (IOException e) {
      LOG.warn("gc: catalog on {} unreadable: {}", primary.name(), e.toString());
    }
    return out;
  }

  /**
   * Cut ids of {@code service} COMPLETE in either catalog.
   *
   * @throws IOException if the current catalog cannot be read (then nothing is safe to remove)
   */
  private Set<String> completeCuts(String service) throws IOException {
    Set<String> keep = new TreeSet<>();
    List<BackupCatalog> all = catalogs();
    for (int i = 0; i < all.size(); i++) {
      try {
        for (Manifest m : all.get(i).list(service)) {
          if (m.state() == CutState.COMPLETE) {
            keep.add(m.cutId());
          }
        }
      } catch (IOException e) {
        if (i == 0) {
          throw e;
        }
        throw new IOException("the catalog left on " + primary.name() + " is unreadable: " + e.getMessage(), e);
      }
    }
    return keep;
  }

  private void listHBaseSnapshots(ClusterConnection c, List<Candidate> out, List<String> errors) {
    try (Admin admin = c.hbase().getAdmin()) {
      for (SnapshotDescription d : admin.listSnapshots(Pattern.compile(Pattern.quote(CutNames.PREFIX) + ".*"))) {
        Matcher m = TANDEM_NAME.matcher(d.getName());
        if (m.matches() && m.group(2) != null) {
          String name = d.getName();
          out.add(new Candidate(Kind.HBASE_SNAPSHOT, c, name, m.group(1), null, () -> {
            try (Admin a = c.hbase().getAdmin()) {
              a.deleteSnapshot(name);
            }
          }));
        }
      }
    } catch (IOException e) {
      errors.add("HBase snapshots of " + c.name() + ": " + e.getMessage());
    }
  }

  private void listStaging(ClusterConnection c, List<Candidate> out, List<String> errors) {
    try {
      Path tmp = new Path(c.hbaseRootDir() + "/.hbase-snapshot/.tmp");
      DistributedFileSystem fs = c.fs();
      for (FileStatus st : listOrEmpty(fs, tmp)) {
        String name = st.getPath().getName();
        Matcher m = TANDEM_NAME.matcher(name);
        if (m.matches()) {
          Path p = st.getPath();
          out.add(new Candidate(Kind.EXPORT_STAGING, c, Path.getPathWithoutSchemeAndAuthority(p).toString(),
              m.group(1), size(fs, p), () -> fs.delete(p, true)));
        }
      }
    } catch (IOException e) {
      errors.add("snapshot staging of " + c.name() + ": " + e.getMessage());
    }
  }

  private Set<String> primaryDirs(Set<String> dirs) {
    Set<String> out = new TreeSet<>(dirs);
    out.addAll(snapshottable(primary, "/"));
    return out;
  }

  private Set<String> replicaDirs(Map<String, Set<String>> dirsByService) {
    Set<String> out = new TreeSet<>();
    dirsByService.forEach((service, dirs) -> dirs.forEach(d -> out.add(roles.backups().replicaPath(service, d))));
    out.addAll(snapshottable(secondary, conf.get(TandemKeys.REPLICA_DIR)));
    return out;
  }

  /** Snapshottable directories under {@code under} (those the controller's user may list). */
  private static Set<String> snapshottable(ClusterConnection c, String under) {
    Set<String> out = new TreeSet<>();
    String prefix = under.endsWith("/") ? under : under + "/";
    try {
      SnapshottableDirectoryStatus[] all = c.fs().getSnapshottableDirListing();
      if (all != null) {
        for (SnapshottableDirectoryStatus s : all) {
          String p = Path.getPathWithoutSchemeAndAuthority(s.getFullPath()).toString();
          if (p.startsWith(prefix) || p.equals(under)) {
            out.add(p);
          }
        }
      }
    } catch (IOException e) {
      LOG.debug("gc: snapshottable directories of {} not listed: {}", c.name(), e.toString());
    }
    return out;
  }

  private void listDirSnapshots(ClusterConnection c, Set<String> dirs, List<Candidate> out, List<String> errors) {
    for (String dir : dirs) {
      try {
        DistributedFileSystem fs = c.fs();
        for (FileStatus st : listOrEmpty(fs, new Path(dir, ".snapshot"))) {
          String snap = st.getPath().getName();
          Matcher m = TANDEM_NAME.matcher(snap);
          if (m.matches() && m.group(2) == null) {
            out.add(new Candidate(Kind.HDFS_SNAPSHOT, c, dir + "/.snapshot/" + snap, m.group(1), null,
                () -> fs.deleteSnapshot(new Path(dir), snap)));
          }
        }
      } catch (IOException e) {
        errors.add("HDFS snapshots of " + dir + " on " + c.name() + ": " + e.getMessage());
      }
    }
  }

  private void listCutZnodes(CuratorFramework zk, String cutRoot, List<Candidate> out, List<String> errors) {
    try {
      if (zk.checkExists().forPath(cutRoot) == null) {
        return;
      }
      for (String child : zk.getChildren().forPath(cutRoot)) {
        if (CutNames.isCutId(child)) {
          String path = cutRoot + "/" + child;
          out.add(new Candidate(Kind.CUT_ZNODE, primary, path, child, null,
              () -> zk.delete().quietly().deletingChildrenIfNeeded().forPath(path)));
        }
      }
    } catch (Exception e) {
      errors.add("cut znodes in " + cutRoot + " on " + primary.name() + ": " + e);
    }
  }

  private void listDrillScratch(ClusterConnection c, List<Candidate> out, List<String> errors) {
    try (Admin admin = c.hbase().getAdmin()) {
      org.apache.hadoop.hbase.TableName[] tables;
      try {
        tables = admin.listTableNamesByNamespace(io.tandem.controller.drill.DrillNames.NAMESPACE);
      } catch (org.apache.hadoop.hbase.NamespaceNotFoundException none) {
        tables = new org.apache.hadoop.hbase.TableName[0];
      }
      for (org.apache.hadoop.hbase.TableName tn : tables) {
        String service = tn.getQualifierAsString().split("\\.", 2)[0];
        out.add(new Candidate(Kind.DRILL_SCRATCH, c, tn.getNameAsString(), service, null, () -> {
          try (Admin a = c.hbase().getAdmin()) {
            if (a.isTableEnabled(tn)) {
              a.disableTable(tn);
            }
            a.deleteTable(tn);
          }
        }));
      }
    } catch (IOException e) {
      errors.add("drill scratch tables on " + c.name() + ": " + e.getMessage());
    }
    if (c != secondary) {
      return;
    }
    String root = conf.get(TandemKeys.DRILL_SCRATCH_DIR);
    try {
      DistributedFileSystem fs = c.fs();
      for (FileStatus st : listOrEmpty(fs, new Path(root))) {
        Path p = st.getPath();
        out.add(new Candidate(Kind.DRILL_SCRATCH, c, Path.getPathWithoutSchemeAndAuthority(p).toString(),
            p.getName(), size(fs, p), () -> fs.delete(p, true)));
      }
    } catch (IOException e) {
      errors.add(root + " on " + c.name() + ": " + e.getMessage());
    }
  }

  private void listScratch(ClusterConnection c, List<Candidate> out, List<String> errors) {
    try {
      DistributedFileSystem fs = c.fs();
      for (FileStatus st : listOrEmpty(fs, new Path(SCRATCH_DIR))) {
        Path p = st.getPath();
        out.add(new Candidate(Kind.SCRATCH, c, Path.getPathWithoutSchemeAndAuthority(p).toString(), null,
            size(fs, p), () -> fs.delete(p, true)));
      }
    } catch (IOException e) {
      errors.add(SCRATCH_DIR + " on " + c.name() + ": " + e.getMessage());
    }
  }

  private void listUnknownReplicas(Set<String> services, List<Item> items, List<String> errors) {
    String root = conf.get(TandemKeys.REPLICA_DIR);
    try {
      DistributedFileSystem fs = secondary.fs();
      for (FileStatus st : listOrEmpty(fs, new Path(root))) {
        String service = st.getPath().getName();
        if (st.isDirectory() && !services.contains(service)) {
          items.add(new Item(Kind.UNKNOWN_REPLICA, secondary.name(), root + "/" + service, null,
              size(fs, st.getPath()), false, "no policy or catalog entry names service " + service
                  + "; replica data is never deleted by gc: remove it yourself if it is not needed"));
        }
      }
    } catch (IOException e) {
      errors.add("replicas in " + root + " on " + secondary.name() + ": " + e.getMessage());
    }
  }

  private void switches(CuratorFramework zk, String cutRoot, boolean dryRun, List<Item> items, List<String> errors) {
    ClusterSwitches sw = new ClusterSwitches(primary, zk, ClusterSwitches.pathFor(cutRoot));
    try {
      if (dryRun) {
        Optional<ClusterSwitches.Record> rec = sw.record();
        if (rec.isPresent() && sw.live().isEmpty()) {
          items.add(new Item(Kind.SWITCHES, primary.name(), sw.path(), null, null, false,
              "would restore " + rec.get().original() + " left off since " + rec.get().since() + " by "
                  + rec.get().holders()));
        }
      } else {
        sw.recover().ifPresent(r -> items.add(new Item(Kind.SWITCHES, primary.name(), sw.path(), null, null, true,
            "restored " + r.restored() + " left off since " + r.since() + " by " + r.holders())));
      }
    } catch (IOException e) {
      errors.add("switches of " + primary.name() + ": " + e.getMessage());
    }
  }

  private CuratorFramework connectPrimaryZk() throws IOException {
    return ClusterSwitches.connect(primary, conf.getInt(TandemKeys.ZK_SESSION_TIMEOUT_MS), conf.zkAcl(),
        conf.get(TandemKeys.CUT_ZK_ROOT));
  }

  /** The service a cut id names (cut ids are {@code <service>-<stamp>}); "" for none. */
  static String serviceOf(String cutId) {
    if (cutId == null) {
      return "";
    }
    int dash = cutId.lastIndexOf('-');
    return dash < 0 ? cutId : cutId.substring(0, dash);
  }

  private static List<FileStatus> listOrEmpty(DistributedFileSystem fs, Path dir) throws IOException {
    try {
      return List.of(fs.listStatus(dir));
    } catch (FileNotFoundException e) {
      return List.of();
    }
  }

  private static Long size(DistributedFileSystem fs, Path p) {
    try {
      return fs.getContentSummary(p).getLength();
    } catch (IOException e) {
      return null;
    }
  }
}
