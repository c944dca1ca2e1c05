package io.tandem.controller;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.controller.backup.BackupService;
import io.tandem.controller.catalog.BackupCatalog;
import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.controller.cut.CutTaker;
import io.tandem.controller.cut.SequentialCutTaker;
import io.tandem.controller.policy.PolicyService;
import io.tandem.controller.policy.PolicyStore;
import io.tandem.controller.policy.PrimaryInventory;
import io.tandem.controller.restore.RestoreService;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.error.TandemException;
import io.tandem.core.policy.PolicyValidator;
import io.tandem.core.policy.TransferMode;

/**
 * Everything the controller's commands need, wired once from tandem-site.xml: the controller's
 * ZooKeeper, a connection to each cluster (from its own conf dir), and the services on top.
 * The CLI, the daemon, the demo and the tests all build their controller through this class.
 */
public final class ControllerContext implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(ControllerContext.class);

  private final TandemConf conf;
  private final CuratorFramework zk;
  private final ClusterConnection primary;
  private final ClusterConnection secondary;
  private final PolicyService policies;
  private final PrimaryInventory inventory;
  private final BackupCatalog catalog;
  private final BackupService backups;
  private final RestoreService restores;
  private final Clock clock = Clock.systemUTC();

  private ControllerContext(TandemConf conf, ClusterConnection primary, ClusterConnection secondary) throws IOException {
    this.conf = conf;
    this.primary = primary;
    this.secondary = secondary;
    this.zk = CuratorFrameworkFactory.builder()
        .connectString(conf.get(TandemKeys.CONTROLLER_ZK_QUORUM))
        .retryPolicy(new ExponentialBackoffRetry(200, 5))
        .sessionTimeoutMs(30_000)
        .connectionTimeoutMs(10_000)
        .build();
    zk.start();
    try {
      if (!zk.blockUntilConnected(20, java.util.concurrent.TimeUnit.SECONDS)) {
        throw TandemException.unavailable("controller ZooKeeper " + conf.get(TandemKeys.CONTROLLER_ZK_QUORUM)
            + " is unreachable: check " + TandemKeys.CONTROLLER_ZK_QUORUM.name(), null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while connecting to the controller's ZooKeeper", e);
    }
    String root = conf.get(TandemKeys.CONTROLLER_ZK_ROOT);
    this.inventory = new PrimaryInventory(primary);
    this.policies = new PolicyService(new PolicyStore(zk, root),
        new PolicyValidator(TransferMode.parse(conf.get(TandemKeys.TRANSFER_MODE))), inventory, clock);
    this.catalog = new BackupCatalog(secondary.fs(), conf.get(TandemKeys.CATALOG_DIR));
    CutTaker cutTaker = new SequentialCutTaker(primary);
    this.backups = new BackupService(conf, primary, secondary, policies, inventory, catalog, cutTaker,
        () -> 0L, clock);
    this.restores = new RestoreService(secondary, catalog, conf);
  }

  /** Connects to both clusters through their conf dirs and to the controller's ZooKeeper. */
  public static ControllerContext open(TandemConf conf) throws IOException {
    ClusterConnection primary = ClusterConnection.fromConfDir(conf.get(TandemKeys.PRIMARY_NAME),
        Path.of(conf.get(TandemKeys.PRIMARY_CONF_DIR)));
    ClusterConnection secondary = ClusterConnection.fromConfDir(conf.get(TandemKeys.SECONDARY_NAME),
        Path.of(conf.get(TandemKeys.SECONDARY_CONF_DIR)));
    LOG.info("controller context: primary {} secondary {} controller zk {}", primary, secondary,
        conf.get(TandemKeys.CONTROLLER_ZK_QUORUM));
    return new ControllerContext(conf, primary, secondary);
  }

  public TandemConf conf() {
    return conf;
  }

  public CuratorFramework zk() {
    return zk;
  }

  public ClusterConnection primary() {
    return primary;
  }

  public ClusterConnection secondary() {
    return secondary;
  }

  public PolicyService policies() {
    return policies;
  }

  public BackupCatalog catalog() {
    return catalog;
  }

  public BackupService backups() {
    return backups;
  }

  public RestoreService restores() {
    return restores;
  }

  public Clock clock() {
    return clock;
  }

  @Override
  public void close() throws IOException {
    zk.close();
    try {
      primary.close();
    } finally {
      secondary.close();
    }
  }
}
