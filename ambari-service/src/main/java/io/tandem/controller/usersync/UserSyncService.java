package io.tandem.controller.usersync;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hdfs.NameNodeProxies;
import org.apache.hadoop.ipc.RPC;
import org.apache.hadoop.tools.GetUserMappingsProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.controller.TandemConf;
import io.tandem.controller.catalog.BackupCatalog;
import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.controller.lock.ServiceLocks;
import io.tandem.controller.policy.PolicyService;
import io.tandem.controller.policy.PrimaryInventory;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.error.TandemException;
import io.tandem.core.policy.DataSet;
import io.tandem.core.policy.Policy;
import io.tandem.core.usersync.Difference;
import io.tandem.core.usersync.Difference.Fix;
import io.tandem.core.usersync.Difference.Kind;
import io.tandem.core.usersync.Difference.Outcome;
import io.tandem.core.usersync.PathAttrs;
import io.tandem.core.usersync.UserData;
import io.tandem.core.usersync.UserDataDiff;

/**
 * Makes a service's user data follow it to the secondary: HBase grants on its tables and
 * namespaces, owner/group/permission/ACL of every path of its HDFS data sets, and a check of its
 * declared users' groups.
 *
 * <ul>
 *   <li><b>push</b> sends what changed on the primary since the last push, without reading the
 *       secondary (cheap; runs after every cut by default);</li>
 *   <li><b>reconcile</b> reads both clusters and fixes every difference (catches drift on the
 *       secondary);</li>
 *   <li>a <b>restore</b> makes the restored tables and directories carry exactly the user data
 *       recorded with the cut.</li>
 * </ul>
 *
 * <p>Invariant: nothing is ever granted on the secondary that the primary (or the cut) does not
 * grant; see {@link UserDataDiff}. A dry run reads but changes nothing.
 */
public final class UserSyncService {
  private static final Logger LOG = LoggerFactory.getLogger(UserSyncService.class);
  /** A first push of a big tree differs on every path: the log gets the first ones, the report all. */
  private static final int LOGGED_DIFFERENCES = 100;

  /** How user data reaches the secondary. */
  public enum Mode {
    PUSH, RECONCILE;

    public static Mode parse(String text) {
      for (Mode m : values()) {
        if (m.name().equalsIgnoreCase(String.valueOf(text).trim())) {
          return m;
        }
      }
      throw TandemException.invalid("user sync mode '" + text + "' is not one of push, reconcile");
    }

    public String text() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What a sync found and did. */
  public record Report(String service, String mode, boolean dryRun, boolean removeExtra, String primary,
      String secondary, Instant at, Map<Outcome, Integer> outcomes, List<Difference> differences) {

    /** True if every difference that should have been fixed was (or, in a dry run, could be planned). */
    public boolean ok() {
      return outcomes.getOrDefault(Outcome.FAILED, 0) == 0;
    }
  }

  private final ClusterConnection primary;
  private final ClusterConnection secondary;
  private final PolicyService policies;
  private final PrimaryInventory inventory;
  private final BackupCatalog catalog;
  private final int maxPaths;
  private final Clock clock;
  private final ServiceLocks locks;

  public UserSyncService(ClusterConnection primary, ClusterConnection secondary, PolicyService policies,
      PrimaryInventory inventory, BackupCatalog catalog, TandemConf conf, Clock clock, ServiceLocks locks) {
    this.locks = locks;
    this.primary = primary;
    this.secondary = secondary;
    this.policies = policies;
    this.inventory = inventory;
    this.catalog = catalog;
    this.maxPaths = conf.getInt(TandemKeys.USERS_MAX_PATHS);
    this.clock = clock;
  }

  /**
   * Syncs the service's user data now, reading the primary's live state.
   *
   * @throws TandemException NOT_FOUND for an unknown service
   */
  public Report sync(String service, Mode mode, boolean dryRun, boolean removeExtra) throws IOException {
    Policy policy = policies.get(service);
    try (ServiceLocks.Held lock = dryRun ? null
        : locks.lock(service, "user " + mode.text() + " of " + service, java.time.Duration.ZERO)) {
      List<String> tables = inventory.tables(policy);
      UserData now = read(primary, policy, tables, dirs(policy), Map.of());
      return sync(policy, now, tables, mode, dryRun, removeExtra);
    }
  }

  /** Syncs from user data already read (the cut's, right after it was taken). */
  public Report sync(Policy policy, UserData fromPrimary, List<String> tables, Mode mode, boolean dryRun,
      boolean removeExtra) throws IOException {
    List<Difference> diffs;
    if (mode == Mode.PUSH) {
      UserData last = catalog.pushedUsers(policy.service()).orElse(UserData.empty(policy.service(), secondary.name()));
      diffs = UserDataDiff.push(fromPrimary, last);
    } else {
      diffs = reconcileDiffs(policy, fromPrimary, tables, fromPrimary.principals(), removeExtra);
    }
    List<Difference> done = dryRun ? plan(diffs) : apply(diffs);
    Report report = report(policy.service(), mode.text(), dryRun, removeExtra, done);
    if (mode == Mode.PUSH && !dryRun && report.ok()) {
      catalog.putPushedUsers(policy.service(), fromPrimary);
    }
    return report;
  }

  /**
   * What a reconcile dry run would report now, reading both clusters, and nothing else: unlike
   * {@code sync(service, RECONCILE, true, false)} it does not even record the principals it saw
   * (a read for the drift report changes no state). Fixable differences are PLANNED.
   *
   * @throws TandemException NOT_FOUND for an unknown service
   */
  public List<Difference> differences(String service) throws IOException {
    Policy policy = policies.get(service);
    List<String> tables = inventory.tables(policy);
    UserData now = read(primary, policy, tables, dirs(policy), Map.of());
    return plan(reconcileDiffs(policy, now, tables, Set.of(), false));
  }

  /** Reconcile's differences; {@code recordSeen} are added to the principals seen first (none: a pure read). */
  private List<Difference> reconcileDiffs(Policy policy, UserData fromPrimary, List<String> tables,
      Set<String> recordSeen, boolean removeExtra) throws IOException {
    UserData there = read(secondary, policy, tables, dirs(policy), Map.of());
    Set<String> seen = catalog.addSeenPrincipals(policy.service(), recordSeen);
    return UserDataDiff.reconcile(fromPrimary, there, seen, removeExtra);
  }

  /**
   * The primary's user data for a cut: grants now (HBase keeps no history of them) and the paths'
   * attributes from the cut's own snapshots, so they are exactly those of the cut's instant.
   *
   * @param dirSnapshots directory to the cut's snapshot name
   */
  public UserData capture(Policy policy, List<String> tables, Map<String, String> dirSnapshots) throws IOException {
    UserData d = read(primary, policy, tables, dirSnapshots.keySet(), dirSnapshots);
    catalog.addSeenPrincipals(policy.service(), d.principals());
    return d;
  }

  /**
   * After a restore: gives the restored tables and directories exactly the user data recorded
   * with the cut (grants of principals the cut does not name are revoked from them), and forgets
   * the last push, so the next push sends everything again.
   */
  public Report applyCut(Manifest cut, UserData recorded, boolean dryRun) throws IOException {
    List<String> tables = cut.tables().stream().map(Manifest.TableEntry::table).toList();
    List<String> dirs = cut.dirs().stream().map(Manifest.DirEntry::path).toList();
    List<String> recordedNamespaces = recorded.grants().stream().map(g -> g.scope())
        .filter(scope -> scope.startsWith("namespace=")).map(scope -> scope.substring("namespace=".length())).toList();
    UserData there = read(secondary, cut.service(), namespacesOf(recordedNamespaces, tables), tables, dirs, Map.of(),
        List.of());
    List<Difference> diffs = UserDataDiff.reconcile(recorded, there, Set.of(), true).stream()
        .filter(d -> d.kind() != Kind.USER_GROUPS)
        .toList();
    List<Difference> done = dryRun ? plan(diffs) : apply(diffs);
    if (!dryRun) {
      catalog.clearPushedUsers(cut.service());
    }
    return report(cut.service(), "restore of " + cut.cutId(), dryRun, true, done);
  }

  private Report report(String service, String mode, boolean dryRun, boolean removeExtra, List<Difference> done) {
    Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
    done.forEach(d -> counts.merge(d.outcome(), 1, Integer::sum));
    int logged = 0;
    for (Difference d : done) {
      if (d.outcome() == Outcome.FAILED) {
        LOG.warn("users {} of {}: {}", mode, service, d.text());
      } else if (logged++ < LOGGED_DIFFERENCES) {
        LOG.info("users {} of {}: {}", mode, service, d.text());
      } else {
        LOG.debug("users {} of {}: {}", mode, service, d.text());
      }
    }
    if (logged > LOGGED_DIFFERENCES) {
      LOG.info("users {} of {}: {} more differences at DEBUG (the report has them all)", mode, service,
          logged - LOGGED_DIFFERENCES);
    }
    LOG.info("users {} of {} from {} to {}{}: {}", mode, service, primary.name(), secondary.name(),
        dryRun ? " (dry run)" : "", counts);
    return new Report(service, mode, dryRun, removeExtra, primary.name(), secondary.name(), clock.instant(),
        new TreeMap<>(counts), done);
  }

  private static List<Difference> plan(List<Difference> diffs) {
    return diffs.stream().map(d -> d.fix() == Fix.REPORT ? d : d.with(Outcome.PLANNED, null)).toList();
  }

  /** Applies every fixable difference on the secondary; one failure does not stop the others. */
  private List<Difference> apply(List<Difference> diffs) throws IOException {
    List<Difference> out = new ArrayList<>();
    Map<String, List<Difference>> byPath = new LinkedHashMap<>();
    try (Admin admin = secondary.hbase().getAdmin()) {
      Boolean authorization = null;
      for (Difference d : diffs) {
        if (d.fix() == Fix.REPORT) {
          out.add(d);
        } else if (d.grant() != null) {
          if (authorization == null) {
            authorization = HBaseGrants.authorizationOn(admin);
          }
          if (!authorization) {
            out.add(d.with(Outcome.FAILED, "HBase authorization is off on " + secondary.name()
                + ": load the AccessController there (hbase.security.authorization=true)"));
            continue;
          }
          try {
            if (d.fix() == Fix.APPLY) {
              HBaseGrants.grant(admin, d.grant());
            } else {
              HBaseGrants.revoke(admin, d.grant());
            }
            out.add(d.with(Outcome.APPLIED, null));
          } catch (IOException e) {
            out.add(d.with(Outcome.FAILED, firstLine(e)));
          }
        } else {
          byPath.computeIfAbsent(d.target().absolute(), k -> new ArrayList<>()).add(d);
        }
      }
    }
    Map<String, Boolean> rootLive = new LinkedHashMap<>();
    Map<String, List<Difference>> deferred = new LinkedHashMap<>();
    for (List<Difference> forPath : byPath.values()) {
      String root = forPath.get(0).target().root();
      if (!rootLive.computeIfAbsent(root, this::liveOnSecondary)) {
        deferred.computeIfAbsent(root, k -> new ArrayList<>()).addAll(forPath);
      } else {
        out.addAll(applyPath(forPath));
      }
    }
    // A data set not live on the secondary (the usual case before a failover) gets one line, not one per path.
    deferred.forEach((root, ds) -> out.add(new Difference(Kind.PATH_ATTRS, root, ds.size() + " changes", "not live",
        Fix.APPLY, Outcome.DEFERRED, null, null, "not live on " + secondary.name()
        + "; recorded with each cut, a restore applies it")));
    return out;
  }

  private boolean liveOnSecondary(String root) {
    try {
      return secondary.fs().exists(new Path(root));
    } catch (IOException e) {
      throw TandemException.unavailable("could not reach HDFS of " + secondary.name() + ": " + firstLine(e), e);
    }
  }

  private List<Difference> applyPath(List<Difference> forPath) {
    PathAttrs target = forPath.get(0).target();
    Set<Kind> kinds = forPath.stream().map(Difference::kind).collect(java.util.stream.Collectors.toSet());
    try {
      // Narrow first: permission bits and ACL, then ownership.
      if (kinds.contains(Kind.PERMISSION) || kinds.contains(Kind.ACL) || kinds.contains(Kind.PATH_ATTRS)) {
        HdfsAttributes.setPermissionAndAcl(secondary.fs(), target);
      }
      if (kinds.contains(Kind.OWNER) || kinds.contains(Kind.GROUP) || kinds.contains(Kind.PATH_ATTRS)) {
        HdfsAttributes.setOwner(secondary.fs(), target);
      }
      return forPath.stream().map(d -> d.with(Outcome.APPLIED, null)).toList();
    } catch (FileNotFoundException e) {
      return forPath.stream().map(d -> d.with(Outcome.DEFERRED,
          "path not on " + secondary.name() + " yet; the next cut brings it")).toList();
    } catch (IOException e) {
      String why = firstLine(e);
      return forPath.stream().map(d -> d.with(Outcome.FAILED, why)).toList();
    }
  }

  private static List<String> dirs(Policy policy) {
    return policy.of(DataSet.Kind.HDFS_DIR).stream().map(DataSet::path).toList();
  }

  private UserData read(ClusterConnection c, Policy policy, List<String> tables, Collection<String> dirs,
      Map<String, String> dirSnapshots) throws IOException {
    List<String> declared = policy.of(DataSet.Kind.HBASE_NAMESPACE).stream().map(DataSet::namespace).toList();
    return read(c, policy.service(), namespacesOf(declared, tables), tables, dirs, dirSnapshots, policy.users());
  }

  /** The namespaces whose grants reach the tables: those named, and those of the tables themselves. */
  private static List<String> namespacesOf(List<String> named, List<String> tables) {
    Set<String> namespaces = new LinkedHashSet<>(named);
    tables.forEach(t -> namespaces.add(TableName.valueOf(t).getNamespaceAsString()));
    return List.copyOf(namespaces);
  }

  private UserData read(ClusterConnection c, String service, List<String> namespaces, List<String> tables,
      Collection<String> dirs, Map<String, String> dirSnapshots, List<String> declaredUsers) throws IOException {
    List<io.tandem.core.usersync.Grant> grants = List.of();
    if (!tables.isEmpty() || !namespaces.isEmpty()) {
      try (Admin admin = c.hbase().getAdmin()) {
        if (HBaseGrants.authorizationOn(admin)) {
          grants = HBaseGrants.read(admin, namespaces, tables);
        }
      }
    }
    List<PathAttrs> paths = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String dir : dirs) {
      String snap = dirSnapshots.get(dir);
      Path base = snap == null ? new Path(dir) : new Path(dir + "/.snapshot/" + snap);
      List<PathAttrs> read = HdfsAttributes.read(c.fs(), dir, base, maxPaths - paths.size());
      if (read == null) {
        missing.add(dir);
      } else {
        paths.addAll(read);
      }
    }
    return new UserData(service, c.name(), clock.instant(), groupsOf(c, declaredUsers), grants, paths, missing);
  }

  /** The groups the cluster's NameNode resolves for each user (what `hdfs groups` prints). */
  private static Map<String, List<String>> groupsOf(ClusterConnection c, List<String> users) throws IOException {
    if (users.isEmpty()) {
      return Map.of();
    }
    GetUserMappingsProtocol proxy = NameNodeProxies.createProxy(c.conf(), c.fsUri(), GetUserMappingsProtocol.class)
        .getProxy();
    try {
      Map<String, List<String>> out = new TreeMap<>();
      for (String u : users) {
        out.put(u, Arrays.stream(proxy.getGroupsForUser(u)).sorted().toList());
      }
      return out;
    } finally {
      RPC.stopProxy(proxy);
    }
  }

  private static String firstLine(Throwable e) {
    return String.valueOf(e.getMessage()).split("\n", 2)[0];
  }
}
