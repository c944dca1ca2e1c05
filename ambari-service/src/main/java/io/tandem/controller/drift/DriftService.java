package io.tandem.controller.drift;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.HRegionLocation;
import org.apache.hadoop.hbase.NamespaceNotFoundException;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.RegionInfo;
import org.apache.hadoop.hbase.client.RegionLocator;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.filter.KeyOnlyFilter;
import org.apache.hadoop.hbase.shaded.protobuf.ProtobufUtil;
import org.apache.hadoop.hbase.shaded.protobuf.generated.SnapshotProtos.SnapshotDescription;
import org.apache.hadoop.hbase.shaded.protobuf.generated.SnapshotProtos.SnapshotRegionManifest;
import org.apache.hadoop.hbase.snapshot.SnapshotDescriptionUtils;
import org.apache.hadoop.hbase.snapshot.SnapshotManifest;
import org.apache.hadoop.hbase.util.Bytes;
import org.apache.hadoop.hbase.util.CommonFSUtils;
import org.apache.hadoop.hdfs.protocol.SnapshotDiffReport;
import org.apache.hadoop.hdfs.protocol.SnapshotDiffReport.DiffReportEntry;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.error.TandemException;
import io.tandem.core.policy.DataSet;
import io.tandem.core.policy.Policy;
import io.tandem.core.policy.PolicyValidator;
import io.tandem.core.usersync.Difference;

/**
 * Builds {@link DriftReport}s: what differs now between the primary and the secondary beyond a
 * service's newest COMPLETE cut. Read only: it changes nothing on either cluster, in the catalog
 * or in the controller's ZooKeeper, and it never scans a table (see {@code docs/drift.md} for
 * every call it makes). Which cluster is primary is read from the controller's roles when a
 * report starts.
 */
public final class DriftService {
  private final ControllerContext ctx;

  public DriftService(ControllerContext ctx) {
    this.ctx = ctx;
  }

  /** Reports of every service with a policy, by service name; a service whose report fails carries its error. */
  public List<DriftReport> all() {
    List<DriftReport> out = new ArrayList<>();
    for (Policy p : ctx.policies().list()) {
      try {
        out.add(report(p.service()));
      } catch (IOException | RuntimeException e) {
        out.add(DriftReport.failed(p.service(), ctx.clock().instant(), firstLine(e)));
      }
    }
    return out;
  }

  /**
   * The report of one service.
   *
   * @throws TandemException INVALID for a bad service name, NOT_FOUND for a service without policy,
   *                         UNAVAILABLE when a cluster cannot be read
   */
  public DriftReport report(String service) throws IOException {
    PolicyValidator.requireServiceName(service);
    long t0 = System.nanoTime();
    ControllerContext.Roles roles = ctx.roles();
    Policy policy = roles.policies().get(service);
    Instant now = ctx.clock().instant();
    Calls calls = new Calls();
    ClusterConnection primary = roles.primary();
    ClusterConnection secondary = roles.secondary();
    try {
      Optional<Manifest> cut = newestComplete(roles, service, calls);
      List<String> problems = new ArrayList<>();
      List<DriftReport.TableDrift> tables = tables(policy, cut.orElse(null), primary, secondary, calls, problems);
      List<DriftReport.DirDrift> dirs = dirs(policy, cut.orElse(null), primary, secondary, calls, problems);
      DriftReport.UserDrift users = users(roles, service);
      DriftReport.Cut cutInfo = cut.map(m -> new DriftReport.Cut(m.cutId(), m.moment(), m.finishedAt(),
          Duration.between(m.moment(), now).toSeconds(), problems.isEmpty(), List.copyOf(problems))).orElse(null);
      boolean drift = cut.isEmpty() || tables.stream().anyMatch(DriftReport.TableDrift::drifted)
          || dirs.stream().anyMatch(DriftReport.DirDrift::drifted) || users.count() > 0;
      return new DriftReport(service, primary.name(), secondary.name(), now,
          Duration.ofNanos(System.nanoTime() - t0).toMillis(), drift, cutInfo, tables, dirs, users, calls.byRole(),
          null);
    } catch (IOException e) {
      throw TandemException.unavailable("drift of service " + service + " could not be read: " + firstLine(e), e);
    }
  }

  private static Optional<Manifest> newestComplete(ControllerContext.Roles roles, String service, Calls calls)
      throws IOException {
    List<Manifest> all = roles.catalog().list(service);
    calls.secondary += 1 + all.size();
    for (int i = all.size() - 1; i >= 0; i--) {
      if (all.get(i).state() == CutState.COMPLETE) {
        return Optional.of(all.get(i));
      }
    }
    return Optional.empty();
  }

  // ---------------------------------------------------------------- tables

  private List<DriftReport.TableDrift> tables(Policy policy, Manifest cut, ClusterConnection primary,
      ClusterConnection secondary, Calls calls, List<String> problems) throws IOException {
    Set<String> onPrimary = liveTables(primary, policy, calls, true);
    Set<String> onSecondary = liveTables(secondary, policy, calls, false);
    Map<String, Manifest.TableEntry> inCut = new TreeMap<>();
    if (cut != null) {
      cut.tables().forEach(t -> inCut.put(t.table(), t));
    }
    Set<String> all = new TreeSet<>(onPrimary);
    all.addAll(onSecondary);
    all.addAll(inCut.keySet());
    List<DriftReport.TableDrift> out = new ArrayList<>();
    for (String table : all) {
      TableName tn = TableName.valueOf(table);
      boolean p = onPrimary.contains(table);
      boolean s = onSecondary.contains(table);
      Manifest.TableEntry entry = inCut.get(table);
      List<Region> live = p ? regions(primary, tn, calls, true) : null;
      List<Region> there = s ? regions(secondary, tn, calls, false) : null;
      SnapshotFiles snap = null;
      if (entry != null) {
        snap = snapshotFiles(secondary, entry.snapshot(), calls, false);
        if (snap == null) {
          problems.add("snapshot " + entry.snapshot() + " of table " + table + " is not on " + secondary.name());
          snap = snapshotFiles(primary, entry.snapshot(), calls, true);
        }
      }
      String presence = p && (s || entry != null) ? "both" : p ? "primary only" : "secondary only";
      Boolean fromCut = live != null && snap != null ? !startKeys(live).equals(snap.startKeys()) : null;
      Boolean fromSecondary = live != null && there != null ? !startKeys(live).equals(startKeys(there)) : null;
      Boolean changed = null;
      Integer added = null;
      Integer removed = null;
      Boolean cells = null;
      List<String> evidence = new ArrayList<>();
      if (live != null && snap != null) {
        Set<String> now = storeFiles(primary, tn, live, calls);
        Set<String> addedFiles = new TreeSet<>(now);
        addedFiles.removeAll(snap.files());
        Set<String> removedFiles = new TreeSet<>(snap.files());
        removedFiles.removeAll(now);
        added = addedFiles.size();
        removed = removedFiles.size();
        if (added + removed > 0) {
          changed = true;
          evidence.add(added + " store files added and " + removed + " removed since the cut (flushed writes,"
              + " bulk loads, compactions or splits)");
        } else {
          try {
            cells = cellsSince(primary, tn, cut.moment(), calls);
            changed = cells;
            evidence.add(cells ? "cells written at or after the cut's moment " + cut.moment() + " (not yet flushed)"
                : "the cut's store files, and no cell at or after the cut's moment " + cut.moment());
          } catch (IOException e) {
            // A disabled or unassigned table cannot be scanned; its files still say something.
            evidence.add("the cut's store files; unflushed cells not probed: " + firstLine(e));
          }
        }
      } else if (p && entry == null) {
        evidence.add(cut == null ? "no COMPLETE cut yet" : "not in cut " + cut.cutId()
            + " (created, or added to the policy, after it)");
      } else if (!p) {
        evidence.add("not on " + primary.name());
      }
      out.add(new DriftReport.TableDrift(table, presence, p, s, entry != null, live == null ? null : live.size(),
          there == null ? null : there.size(), snap == null ? null : snap.regions(), fromCut, fromSecondary, changed,
          added, removed, cells, List.copyOf(evidence)));
    }
    return out;
  }

  /**
   * Tables the policy covers live on {@code c}: listed tables that exist, and the tables of its
   * namespaces (none when the namespace does not exist there).
   */
  private static Set<String> liveTables(ClusterConnection c, Policy policy, Calls calls, boolean primary)
      throws IOException {
    Set<String> out = new TreeSet<>();
    try (Admin admin = c.hbase().getAdmin()) {
      for (DataSet ds : policy.dataSets()) {
        if (ds.kind() == DataSet.Kind.HBASE_TABLE) {
          calls.add(primary, 1);
          if (admin.tableExists(TableName.valueOf(ds.tableName()))) {
            out.add(ds.tableName());
          }
        } else if (ds.kind() == DataSet.Kind.HBASE_NAMESPACE) {
          calls.add(primary, 1);
          try {
            for (TableName t : admin.listTableNamesByNamespace(ds.namespace())) {
              out.add(ds.namespace() + ":" + t.getQualifierAsString());
            }
          } catch (NamespaceNotFoundException e) {
            // nothing of it there
          }
        }
      }
    }
    return out;
  }

  /** A region of a table: its start key and encoded name. */
  private record Region(String startKey, String encoded) {
  }

  /** The table's default-replica regions, as hbase:meta lists them (one meta scan). */
  private static List<Region> regions(ClusterConnection c, TableName tn, Calls calls, boolean primary)
      throws IOException {
    calls.add(primary, 1);
    List<Region> out = new ArrayList<>();
    try (RegionLocator locator = c.hbase().getRegionLocator(tn)) {
      for (HRegionLocation loc : locator.getAllRegionLocations()) {
        RegionInfo ri = loc.getRegion();
        if (ri.getReplicaId() == RegionInfo.DEFAULT_REPLICA_ID && !ri.isSplitParent()) {
          out.add(new Region(Bytes.toStringBinary(ri.getStartKey()), ri.getEncodedName()));
        }
      }
    }
    return out;
  }

  private static List<String> startKeys(List<Region> regions) {
    return regions.stream().map(Region::startKey).sorted().toList();
  }

  /** What a snapshot's manifest lists: region start keys and store files as region/family/file. */
  private record SnapshotFiles(List<String> startKeys, Set<String> files) {
    int regions() {
      return startKeys.size();
    }
  }

  /** The snapshot's manifest on {@code c} (a few small file reads), null if it is not there. */
  private static SnapshotFiles snapshotFiles(ClusterConnection c, String snapshot, Calls calls, boolean primary)
      throws IOException {
    Path rootDir = CommonFSUtils.getRootDir(c.conf());
    Path dir = SnapshotDescriptionUtils.getCompletedSnapshotDir(snapshot, rootDir);
    FileSystem fs = c.fs();
    calls.add(primary, 1);
    if (!fs.exists(dir)) {
      return null;
    }
    calls.add(primary, 3);
    SnapshotDescription desc = SnapshotDescriptionUtils.readSnapshotInfo(fs, dir);
    SnapshotManifest manifest = SnapshotManifest.open(c.conf(), fs, dir, desc);
    List<String> keys = new ArrayList<>();
    Set<String> files = new TreeSet<>();
    for (SnapshotRegionManifest r : manifest.getRegionManifests()) {
      RegionInfo ri = ProtobufUtil.toRegionInfo(r.getRegionInfo());
      if (ri.getReplicaId() != RegionInfo.DEFAULT_REPLICA_ID || ri.isSplitParent()) {
        continue;
      }
      keys.add(Bytes.toStringBinary(ri.getStartKey()));
      for (SnapshotRegionManifest.FamilyFiles f : r.getFamilyFilesList()) {
        for (SnapshotRegionManifest.StoreFile sf : f.getStoreFilesList()) {
          files.add(ri.getEncodedName() + "/" + f.getFamilyName().toStringUtf8() + "/" + sf.getName());
        }
      }
    }
    keys.sort(null);
    return new SnapshotFiles(keys, files);
  }

  /** The live table's store files (region/family/file): one listing per region and one per family. */
  private static Set<String> storeFiles(ClusterConnection c, TableName tn, List<Region> regions, Calls calls)
      throws IOException {
    Path tableDir = CommonFSUtils.getTableDir(CommonFSUtils.getRootDir(c.conf()), tn);
    FileSystem fs = c.fs();
    Set<String> out = new TreeSet<>();
    for (Region r : regions) {
      FileStatus[] families;
      try {
        calls.primary++;
        families = fs.listStatus(new Path(tableDir, r.encoded()));
      } catch (FileNotFoundException e) {
        continue;
      }
      for (FileStatus family : families) {
        String name = family.getPath().getName();
        if (!family.isDirectory() || name.startsWith(".") || name.equals("recovered.edits")) {
          continue;
        }
        calls.primary++;
        for (FileStatus f : fs.listStatus(family.getPath())) {
          if (f.isFile() && !f.getPath().getName().startsWith(".")) {
            out.add(r.encoded() + "/" + name + "/" + f.getPath().getName());
          }
        }
      }
    }
    return out;
  }

  /**
   * Whether any cell (a delete marker included) has a timestamp at or after {@code since}: a raw,
   * key-only scan for one cell in that time range. Store files whose time range ends before it are
   * skipped by their metadata, so it reads the memstore and the cut's newest files only; it is
   * asked only when the store files are still the cut's.
   */
  private static boolean cellsSince(ClusterConnection c, TableName tn, Instant since, Calls calls) throws IOException {
    calls.primary++;
    Scan scan = new Scan().setTimeRange(since.toEpochMilli(), Long.MAX_VALUE).setRaw(true).setLimit(1)
        .setCaching(1).setFilter(new KeyOnlyFilter()).setCacheBlocks(false);
    Connection conn = c.hbase();
    try (Table t = conn.getTable(tn); ResultScanner rs = t.getScanner(scan)) {
      return rs.next() != null;
    }
  }

  // ---------------------------------------------------------------- directories

  private static List<DriftReport.DirDrift> dirs(Policy policy, Manifest cut, ClusterConnection primary,
      ClusterConnection secondary, Calls calls, List<String> problems) {
    Map<String, Manifest.DirEntry> inCut = new LinkedHashMap<>();
    if (cut != null) {
      cut.dirs().forEach(d -> inCut.put(d.path(), d));
    }
    Set<String> all = new TreeSet<>(inCut.keySet());
    policy.of(DataSet.Kind.HDFS_DIR).forEach(d -> all.add(d.path()));
    List<DriftReport.DirDrift> out = new ArrayList<>();
    for (String dir : all) {
      Manifest.DirEntry d = inCut.get(dir);
      if (d == null) {
        out.add(new DriftReport.DirDrift(dir, null, null, null, null, null, 0, cut == null ? "no COMPLETE cut yet"
            : "not in cut " + cut.cutId() + " (added to the policy after it)"));
        continue;
      }
      replicaProblem(secondary, d, calls).ifPresent(problems::add);
      try {
        calls.primary++;
        SnapshotDiffReport diff = primary.fs().getSnapshotDiffReport(new Path(dir), d.snapshot(), "");
        out.add(summarize(dir, diff.getDiffList()));
      } catch (IOException e) {
        out.add(new DriftReport.DirDrift(dir, null, null, null, null, null, 0, "no diff from snapshot "
            + d.snapshot() + " on " + primary.name() + ": " + firstLine(e)));
      }
    }
    return out;
  }

  /** Why the secondary's replica of {@code d} is not the cut's, if it is not. */
  private static Optional<String> replicaProblem(ClusterConnection secondary, Manifest.DirEntry d, Calls calls) {
    try {
      calls.secondary++;
      if (!secondary.fs().exists(new Path(d.replicaPath(), ".snapshot/" + d.snapshot()))) {
        return Optional.of("replica " + d.replicaPath() + " lacks snapshot " + d.snapshot());
      }
      calls.secondary++;
      int changed = secondary.fs().getSnapshotDiffReport(new Path(d.replicaPath()), d.snapshot(), "")
          .getDiffList().size();
      return changed == 0 ? Optional.empty() : Optional.of("replica " + d.replicaPath() + " was changed since snapshot "
          + d.snapshot() + " (" + changed + " changed entries)");
    } catch (IOException e) {
      return Optional.of("replica " + d.replicaPath() + " could not be read: " + firstLine(e));
    }
  }

  /** Counts and the first {@link DriftReport#LISTED} entries of a snapshot diff, as absolute paths. */
  static DriftReport.DirDrift summarize(String dir, List<DiffReportEntry> entries) {
    List<String> parents = new ArrayList<>();
    for (DiffReportEntry e : entries) {
      String p = relative(e.getSourcePath());
      parents.add(p.isEmpty() ? "" : p + "/");
      if (e.getTargetPath() != null) {
        String t = relative(e.getTargetPath());
        parents.add(t.isEmpty() ? "" : t + "/");
      }
    }
    int added = 0;
    int removed = 0;
    int modified = 0;
    int renamed = 0;
    List<String> listed = new ArrayList<>();
    int more = 0;
    for (DiffReportEntry e : entries) {
      String src = relative(e.getSourcePath());
      String line;
      switch (e.getType()) {
        case CREATE -> {
          added++;
          line = "+ " + absolute(dir, src);
        }
        case DELETE -> {
          removed++;
          line = "- " + absolute(dir, src);
        }
        case RENAME -> {
          renamed++;
          line = "R " + absolute(dir, src) + " -> " + absolute(dir, relative(e.getTargetPath()));
        }
        default -> {
          // A directory's M is its children's entries when some lie under it.
          String prefix = src.isEmpty() ? "" : src + "/";
          boolean hasChildEntry = entries.stream().anyMatch(o -> o != e && under(relative(o.getSourcePath()), prefix));
          if (hasChildEntry) {
            continue;
          }
          modified++;
          line = "M " + absolute(dir, src);
        }
      }
      if (listed.size() < DriftReport.LISTED) {
        listed.add(line);
      } else {
        more++;
      }
    }
    return new DriftReport.DirDrift(dir, added, removed, modified, renamed, List.copyOf(listed), more, null);
  }

  private static boolean under(String path, String prefix) {
    return prefix.isEmpty() ? !path.isEmpty() : path.startsWith(prefix);
  }

  private static String relative(byte[] path) {
    return path == null ? "" : new String(path, StandardCharsets.UTF_8);
  }

  private static String absolute(String dir, String relative) {
    return relative.isEmpty() ? dir : dir + "/" + relative;
  }

  // ---------------------------------------------------------------- user data

  private static DriftReport.UserDrift users(ControllerContext.Roles roles, String service) throws IOException {
    List<Difference> diffs = roles.users().differences(service);
    List<String> notLive = new ArrayList<>();
    List<Difference> real = new ArrayList<>();
    for (Difference d : diffs) {
      if (d.kind() == Difference.Kind.PATH_MISSING && d.note() != null && d.note().startsWith("not live")) {
        notLive.add(d.object());
      } else {
        real.add(d);
      }
    }
    Map<String, Integer> byKind = new TreeMap<>();
    real.forEach(d -> byKind.merge(d.kind().name(), 1, Integer::sum));
    List<Difference> listed = real.stream().limit(DriftReport.LISTED).toList();
    return new DriftReport.UserDrift(real.size(), byKind, listed, real.size() - listed.size(), List.copyOf(notLive));
  }

  // ---------------------------------------------------------------- misc

  /** Calls this report makes itself, per cluster role. */
  private static final class Calls {
    int primary;
    int secondary;

    void add(boolean toPrimary, int n) {
      if (toPrimary) {
        primary += n;
      } else {
        secondary += n;
      }
    }

    Map<String, Integer> byRole() {
      Map<String, Integer> m = new LinkedHashMap<>();
      m.put("primary", primary);
      m.put("secondary", secondary);
      return m;
    }
  }

  private static String firstLine(Throwable e) {
    return String.valueOf(e.getMessage()).split("\n", 2)[0];
  }
}
