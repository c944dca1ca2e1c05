package io.tandem.core.identity;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.tandem.core.config.ConfigKey;

/**
 * Keys the identity guards read from their server's configuration: hbase-site.xml for the
 * RegionServers' guard ({@code io.tandem.hbase.TandemGuardObserver}), hdfs-site.xml for the
 * NameNode's ({@code io.tandem.hdfs.TandemAttributeProvider}). Each defined once with its default
 * and doc; {@link io.tandem.core.config.ServerKeys} lists them with the other keys of those sites.
 */
public final class GuardKeys {
  private GuardKeys() {
  }

  public static final ConfigKey ZK_QUORUM = new ConfigKey("tandem.guard.zk.quorum", "",
      "The controller's ZooKeeper (host:port,...), where the identity record lives. Empty: the identity guard is off"
          + " (logged once at WARN) and refuses nothing.");
  public static final ConfigKey ZK_ROOT = new ConfigKey("tandem.guard.zk.root", "/tandem",
      "Root znode of Tandem's state in the controller's ZooKeeper; must equal the controller's tandem.controller.zk.root.");
  public static final ConfigKey CLUSTER_NAME = new ConfigKey("tandem.cluster.name", "",
      "This cluster's name as the identity record names it (for example primary or secondary). Unset: the cluster"
          + " is never primary, so once an identity record exists it refuses writes to protected data sets.");
  public static final ConfigKey BYPASS_USERS = new ConfigKey("tandem.guard.bypass.users", "",
      "Comma-separated short user names whose writes the guard never refuses: Tandem's own service user (restores,"
          + " user-data sync). HDFS superusers never reach the guard in any case.");
  public static final ConfigKey SESSION_TIMEOUT_MS = new ConfigKey("tandem.guard.zk.session.timeout.ms", "10000",
      "Session timeout of the guard's ZooKeeper session, in ms. A guard refuses as soon as its client sees the"
          + " connection drop (within 2/3 of this), before the server expires the session and its member node.");
  public static final ConfigKey CHAINED_PROVIDER = new ConfigKey("tandem.hdfs.chained.attributes.provider.class", "",
      "NameNode only: an INodeAttributeProvider (for example Ranger's) that Tandem's provider wraps: attributes come"
          + " from it, and its access control enforcer runs after the guard's check.");
  public static final ConfigKey HDFS_STATE_DIR = new ConfigKey("tandem.guard.hdfs.state.dir", "",
      "NameNode only: local directory where the guard keeps the protected directories it last read, so that after a"
          + " restart without the controller's ZooKeeper it refuses writes to them until its first read. Empty: the"
          + " NameNode's first dfs.namenode.name.dir.");

  public static final List<ConfigKey> ALL = List.of(ZK_QUORUM, ZK_ROOT, CLUSTER_NAME, BYPASS_USERS,
      SESSION_TIMEOUT_MS, CHAINED_PROVIDER, HDFS_STATE_DIR);

  /** The users of a {@link #BYPASS_USERS} value: trimmed, empty entries dropped. */
  public static Set<String> parseUsers(String csv) {
    if (csv == null || csv.isBlank()) {
      return Set.of();
    }
    return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty())
        .collect(Collectors.toUnmodifiableSet());
  }
}
