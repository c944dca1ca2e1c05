package io.tandem.controller;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.controller.backup.BackupService;
import io.tandem.controller.catalog.BackupCatalog;
import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.controller.cut.CutTaker;
import io.tandem.controller.cut.CutTakers;
import io.tandem.controller.identity.IdentityStore;
import io.tandem.controller.identity.SwitchStore;
import io.tandem.controller.lock.ServiceLocks;
import io.tandem.controller.policy.PolicyService;
import io.tandem.controller.policy.PolicyStore;
import io.tandem.controller.policy.PrimaryInventory;
import io.tandem.controller.restore.RestoreService;
import io.tandem.controller.security.ZkAcls;
import io.tandem.controller.usersync.UserSyncService;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.error.TandemException;
import io.tandem.core.identity.IdentityLayout;
import io.tandem.core.identity.IdentityRecord;
import io.tandem.core.identity.ProtectedSets;
import io.tandem.core.policy.DataSet;
import io.tandem.core.policy.Policy;
import io.tandem.core.policy.PolicyValidator;
import io.tandem.core.policy.TransferMode;

/**
 * Everything the controller's commands need, wired once from tandem-site.xml: the controller's
 * ZooKeeper, a connection to each of the two clusters (from its own conf dir), the identity
 * record, and the services on top. Which cluster is primary comes from the identity record, as
 * watched at the moment a service is asked for: every accessor ({@link #backups()},
 * {@link #catalog()}, {@link #users()} ...) first re-points to the services of the current
 * direction when the record changed, whoever changed it (this process, the CLI, a standby
 * controller). So cuts always flow from the current primary to the current secondary, and the
 * catalog lives on the current secondary. The services of each direction are built once. The CLI, the daemon,
 * the demo and the tests all build their controller through this class.
 */
public final class ControllerContext implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(ControllerContext.class);

  private final TandemConf conf;
  private final CuratorFramework zk;
  private final Map<String, ClusterConnection> clusters;
  private final PolicyStore policyStore;
  private final PolicyValidator validator;
  private final IdentityStore identity;
  private final ServiceLocks locks;
  private final SwitchStore switches;
  private final Clock clock = Clock.systemUTC();
  private volatile Roles roles;
  /** The services of each direction, by primary name (see {@link #build}). */
  private final Map<String, Roles> wired = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.List<CutTaker> takers = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** The services as wired for one assignment of roles. */
  public record Roles(IdentityRecord identity, ClusterConnection primary, ClusterConnection secondary,
      PrimaryInventory inventory, PolicyService policies, BackupCatalog catalog, BackupService backups,
      RestoreService restores, UserSyncService users) {
  }

  /**
   * What no data set may be at, under or above: besides the defaults, either cluster's HBase root dir
   * (the identity guard would refuse HBase's own writes there) and Tandem's catalog and replica dirs.
   */
  static io.tandem.core.policy.ReservedPaths reservedPaths(TandemConf conf, ClusterConnection... clusters) {
    java.util.List<String> own = new java.util.ArrayList<>();
    for (ClusterConnection c : clusters) {
      own.add(new org.apache.hadoop.fs.Path(c.conf().get("hbase.rootdir", "/hbase")).toUri().getPath());
    }
    own.add(conf.get(TandemKeys.CATALOG_DIR));
    own.add(conf.get(TandemKeys.REPLICA_DIR));
    own.add(conf.get(TandemKeys.DRILL_SCRATCH_DIR));
    return io.tandem.core.policy.ReservedPaths.DEFAULT.plusAtOrUnder(own);
  }

  private ControllerContext(TandemConf conf, ClusterConnection first, ClusterConnection second) throws IOException {
    this.conf = conf;
    this.clusters = new LinkedHashMap<>();
    clusters.put(first.name(), first);
    clusters.put(second.name(), second);
    String root = conf.get(TandemKeys.CONTROLLER_ZK_ROOT);
    IdentityLayout layout = new IdentityLayout(root);
    io.tandem.core.zk.ZkAcl acl = conf.zkAcl();
    this.zk = ZkAcls.apply(CuratorFrameworkFactory.builder(), acl, path -> io.tandem.core.zk.ZkAcl.identityKind(layout, path))
        .connectString(conf.get(TandemKeys.CONTROLLER_ZK_QUORUM))
        .retryPolicy(new ExponentialBackoffRetry(200, 5))
        .sessionTimeoutMs(conf.getInt(TandemKeys.ZK_SESSION_TIMEOUT_MS))
        .connectionTimeoutMs(10_000)
        .build();
    zk.start();
    try {
      if (!zk.blockUntilConnected(20, TimeUnit.SECONDS)) {
        zk.close();
        throw TandemException.unavailable("controller ZooKeeper " + conf.get(TandemKeys.CONTROLLER_ZK_QUORUM)
            + " is unreachable: check " + TandemKeys.CONTROLLER_ZK_QUORUM.name(), null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while connecting to the controller's ZooKeeper", e);
    }
    try {
      ZkAcls.secure(zk, root, acl, path -> io.tandem.core.zk.ZkAcl.identityKind(layout, path));
      // The guards add their clusters here, and may not create anything beside it.
      zk.create().creatingParentsIfNeeded().forPath(layout.membersRoot());
    } catch (KeeperException.NodeExistsException made) {
      // an earlier start (or another controller) made it
    } catch (Exception e) {
      zk.close();
      throw TandemException.unavailable("could not prepare " + root + " in the controller's ZooKeeper (its ACLs, "
          + layout.membersRoot() + "): " + e, e);
    }
    if (!acl.enabled()) {
      LOG.warn("Tandem's znodes under {} are open to any ZooKeeper client: set {} and {} (docs/security.md)", root,
          TandemKeys.ZK_ACL_CONTROLLER.name(), TandemKeys.ZK_ACL_PARTICIPANTS.name());
    }
    this.policyStore = new PolicyStore(zk, root);
    this.validator = new PolicyValidator(TransferMode.parse(conf.get(TandemKeys.TRANSFER_MODE)),
        reservedPaths(conf, first, second));
    this.identity = new IdentityStore(zk, layout);
    this.locks = new ServiceLocks(zk, root, self());
    this.switches = new SwitchStore(zk, root);
    IdentityRecord rec = identity.initIfAbsent(new IdentityRecord(first.name(), 1, clock.instant(),
        "initial: " + first.name() + " is primary")).record();
    this.roles = wire(rec);
    identity.watch();
    publishClusters();
  }

  /** Client settings keys applications need to reach a cluster (see TandemClient). */
  private static final String[] CLIENT_KEY_PREFIXES = {"fs.defaultFS", "hbase.zookeeper.quorum",
      "hbase.zookeeper.property.clientPort", "zookeeper.znode.parent", "dfs.nameservices", "dfs.ha.namenodes.",
      "dfs.namenode.rpc-address", "dfs.client.failover.proxy.provider", "hadoop.security.authentication",
      "hbase.security.authentication", "dfs.checksum.combine.mode"};

  /** Publishes each cluster's client settings, so TandemClient can follow the primary. */
  private void publishClusters() {
    for (ClusterConnection c : clusters.values()) {
      java.util.Properties p = new java.util.Properties();
      for (java.util.Map.Entry<String, String> e : c.conf()) {
        for (String prefix : CLIENT_KEY_PREFIXES) {
          if (e.getKey().startsWith(prefix)) {
            p.setProperty(e.getKey(), c.conf().get(e.getKey()));
          }
        }
      }
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      try {
        p.store(out, "client settings of cluster " + c.name());
        String path = io.tandem.client.TandemClient.clusterPath(identity.layout(), c.name());
        try {
          zk.setData().forPath(path, out.toByteArray());
        } catch (org.apache.zookeeper.KeeperException.NoNodeException e) {
          zk.create().creatingParentContainersIfNeeded().forPath(path, out.toByteArray());
        }
      } catch (Exception e) {
        throw TandemException.unavailable("could not publish client settings of " + c.name() + ": " + e, e);
      }
    }
  }

  /** Connects to both clusters through their conf dirs and to the controller's ZooKeeper. */
  public static ControllerContext open(TandemConf conf) throws IOException {
    ClusterConnection primary = ClusterConnection.fromConfDir(conf.get(TandemKeys.PRIMARY_NAME),
        Path.of(conf.get(TandemKeys.PRIMARY_CONF_DIR)));
    ClusterConnection secondary = ClusterConnection.fromConfDir(conf.get(TandemKeys.SECONDARY_NAME),
        Path.of(conf.get(TandemKeys.SECONDARY_CONF_DIR)));
    LOG.info("controller context: clusters {} and {}, controller zk {}", primary, secondary,
        conf.get(TandemKeys.CONTROLLER_ZK_QUORUM));
    return new ControllerContext(conf, primary, secondary);
  }

  private Roles wire(IdentityRecord rec) {
    Roles previous = roles;
    String primaryName;
    if (rec.inTransition()) {
      // Mid-switch nobody is primary: data still flows from the switch's old primary to its target,
      // which holds the catalog, as recorded by the switch (also after a restart mid-switch).
      primaryName = switches.current().map(s -> s.from())
          .orElse(previous != null ? previous.primary().name() : clusters.keySet().iterator().next());
    } else {
      primaryName = rec.primary();
    }
    Roles built = wired.computeIfAbsent(primaryName, this::build);
    return new Roles(rec, built.primary(), built.secondary(), built.inventory(), built.policies(), built.catalog(),
        built.backups(), built.restores(), built.users());
  }

  /**
   * The services for data flowing from {@code primaryName} to the other cluster. Built once per
   * direction (there are two) and kept: a role change re-points to the other set, it does not
   * build or leak anything; {@link #close()} closes both.
   */
  private Roles build(String primaryName) {
    ClusterConnection primary = cluster(primaryName);
    ClusterConnection secondary = other(primaryName);
    PrimaryInventory inventory = new PrimaryInventory(primary);
    PolicyService policies = new PolicyService(policyStore, validator, inventory, clock);
    policies.setOnChange(this::publishProtected);
    BackupCatalog catalog;
    try {
      catalog = new BackupCatalog(secondary.fs(), conf.get(TandemKeys.CATALOG_DIR));
    } catch (IOException e) {
      throw TandemException.unavailable("could not reach the catalog on " + secondary.name() + ": " + e.getMessage(), e);
    }
    UserSyncService users = new UserSyncService(primary, secondary, policies, inventory, catalog, conf, clock, locks);
    CutTaker taker = CutTakers.forConf(conf, primary, secondary);
    takers.add(taker);
    BackupService backups = new BackupService(conf, primary, secondary, policies, inventory, catalog,
        taker, users, () -> currentEpoch(), clock, locks);
    RestoreService restores = new RestoreService(secondary, catalog, users, conf, locks);
    backups.setLeftoverSweep(this::sweepAfterCrash);
    return new Roles(null, primary, secondary, inventory, policies, catalog, backups, restores, users);
  }

  /**
   * Runs the leftover collector for a cut of {@code service} that found cuts a dead holder left
   * RUNNING; the service's own lock is held by that cut, so only other locked services count as
   * in flight. Best effort: a failure is logged and the cut goes on.
   */
  private void sweepAfterCrash(String service) {
    try {
      var report = leftovers(s -> !s.equals(service) && locks.isLocked(s)).collect(false);
      LOG.warn("after an interrupted cut of {}: removed {} leftovers {}", service, report.removed(),
          report.items().stream().filter(i -> i.removed()).map(i -> i.kind() + " " + i.name()).toList());
    } catch (RuntimeException e) {
      LOG.warn("after an interrupted cut of {}: leftovers not swept ({}); 'tandem gc' removes them", service,
          e.getMessage());
    }
  }

  /**
   * The leftover collector for the current roles ({@code tandem gc}); {@code inFlight} says which
   * services to leave alone (by default those whose lock is held).
   */
  public io.tandem.controller.gc.LeftoverCollector leftovers(java.util.function.Predicate<String> inFlight) {
    return new io.tandem.controller.gc.LeftoverCollector(roles(), conf, inFlight);
  }

  /** Re-reads the identity record and re-points the services if the roles changed. */
  public Roles refreshRoles() throws IOException {
    return rolesFor(identity.require().record());
  }

  private synchronized Roles rolesFor(IdentityRecord rec) {
    Roles r = roles;
    if (!rec.equals(r.identity())) {
      roles = wire(rec);
      LOG.info("roles now: primary {} secondary {} (epoch {})", roles.primary().name(), roles.secondary().name(), rec.epoch());
    }
    return roles;
  }

  private long currentEpoch() {
    return identity.require().record().epoch();
  }

  /** Publishes every policy's data sets as the set the guards protect. */
  public void publishProtected() {
    Set<String> tables = new TreeSet<>();
    Set<String> namespaces = new TreeSet<>();
    Set<String> dirs = new TreeSet<>();
    for (Policy p : roles().policies().list()) {
      for (DataSet d : p.dataSets()) {
        switch (d.kind()) {
          case HBASE_TABLE -> tables.add(d.tableName());
          case HBASE_NAMESPACE -> namespaces.add(d.namespace());
          case HDFS_DIR -> dirs.add(d.path());
          default -> throw new IllegalStateException(d.kind().toString());
        }
      }
    }
    identity.publishProtected(new ProtectedSets(tables, namespaces, dirs));
  }

  public ClusterConnection cluster(String name) {
    ClusterConnection c = clusters.get(name);
    if (c == null) {
      throw TandemException.notFound("no cluster named " + name + ": the clusters are " + clusters.keySet());
    }
    return c;
  }

  public ClusterConnection other(String name) {
    cluster(name);
    return clusters.values().stream().filter(c -> !c.name().equals(name)).findFirst().orElseThrow();
  }

  public Map<String, ClusterConnection> clusters() {
    return Map.copyOf(clusters);
  }

  public TandemConf conf() {
    return conf;
  }

  public CuratorFramework zk() {
    return zk;
  }

  /** The switch records: in progress, last, demotions, and the one-switch lock. */
  public SwitchStore switches() {
    return switches;
  }

  /** The per-service locks every cut, restore, retention and user sync takes. */
  public ServiceLocks locks() {
    return locks;
  }

  /** This process as other processes see it in lock notes: host:pid. */
  public static String self() {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      host = "localhost";
    }
    return host + ":" + ProcessHandle.current().pid();
  }

  public IdentityStore identity() {
    return identity;
  }

  /**
   * The services as wired for the identity record as it is now, from the watched copy of the
   * record (no ZooKeeper round trip; a change by anyone arrives within one). When the record
   * cannot be read, the last known wiring (logged at WARN): the controller keeps answering, and
   * whatever it then does that needs ZooKeeper fails on its own with a clear error.
   */
  public Roles roles() {
    try {
      return rolesFor(identity.watched().record());
    } catch (RuntimeException e) {
      Roles last = roles;
      LOG.warn("could not re-read the identity record ({}); using the last known roles: primary {} (epoch {})",
          e.getMessage(), last.primary().name(), last.identity().epoch());
      return last;
    }
  }

  public ClusterConnection primary() {
    return roles().primary();
  }

  public ClusterConnection secondary() {
    return roles().secondary();
  }

  public PolicyService policies() {
    return roles().policies();
  }

  public BackupCatalog catalog() {
    return roles().catalog();
  }

  public BackupService backups() {
    return roles().backups();
  }

  public RestoreService restores() {
    return roles().restores();
  }

  public UserSyncService users() {
    return roles().users();
  }

  private volatile io.tandem.controller.drill.DrillService drills;

  /** Restore drills of the current roles (one instance; it reads the roles at the start of each drill). */
  public io.tandem.controller.drill.DrillService drills() {
    if (drills == null) {
      synchronized (this) {
        if (drills == null) {
          drills = new io.tandem.controller.drill.DrillService(this::roles, conf, locks, clock);
        }
      }
    }
    return drills;
  }

  public Clock clock() {
    return clock;
  }

  @Override
  public void close() throws IOException {
    for (CutTaker t : takers) {
      if (t instanceof Closeable c) {
        try {
          c.close();
        } catch (IOException e) {
          LOG.warn("closing a cut taker: {}", e.toString());
        }
      }
    }
    identity.close();
    zk.close();
    IOException first = null;
    for (ClusterConnection c : clusters.values()) {
      try {
        c.close();
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
