package io.tandem.controller.identity;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.curator.framework.CuratorFramework;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.ha.HAServiceProtocol;
import org.apache.hadoop.ha.protocolPB.HAServiceProtocolClientSideTranslatorPB;
import org.apache.hadoop.hbase.ServerName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hdfs.DFSUtilClient;
import org.apache.hadoop.hdfs.HAUtilClient;
import org.apache.hadoop.net.NetUtils;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.core.identity.IdentityLayout;

/**
 * Which identity guards of one reachable cluster must acknowledge an identity change, and which
 * of them have no member node under {@link IdentityLayout#members(String)}: a switch that waited
 * only for the guards that registered would not wait for a RegionServer or NameNode whose guard
 * never came up (a RegionServer that has opened no user region yet, a guard that never reached the
 * controller's ZooKeeper, a server whose guard is not loaded).
 *
 * <p>The guards that must acknowledge: every live RegionServer ({@code Admin.getRegionServers()})
 * and the active NameNode of the cluster's default file system (for an HA nameservice, each
 * NameNode that answers ACTIVE; if none answers, all of them, so nothing is skipped for want of an
 * answer). Each is named as its guard names its member node, without the guard's unique suffix
 * ({@code ~xxxxxxxx}, which tells apart two guards of one server):
 * <ul>
 *   <li>a RegionServer: {@code regionserver-<host>_<port>_<startcode>}, its {@link ServerName}
 *       with {@code ,} and {@code /} made {@code _} as {@link IdentityLayout#member} does;</li>
 *   <li>a NameNode of an HA nameservice: {@code namenode-<nameservice>.<namenode id>};</li>
 *   <li>any other NameNode: {@code namenode-<host>:<port>} of its RPC address, the host canonical.</li>
 * </ul>
 * These are the names {@code io.tandem.hbase.IdentityGuard} and
 * {@code io.tandem.hdfs.TandemAttributeProvider.memberName} build; change them together.
 *
 * <p>Use (the switch, before it trusts the acks of a demoted cluster):
 * <pre>{@code
 * GuardRoster.Roster r = new GuardRoster(layout, controllerZk).check(cluster);
 * if (!r.missing().isEmpty()) { ... wait, or refuse naming r.missing() ... }
 * // then read the acks of r.members().keySet()
 * }</pre>
 *
 * <p>Stateless and thread-safe; each {@link #check} reads the cluster and the controller's
 * ZooKeeper afresh. It blocks on those reads (HBase's admin calls, one HA state call per
 * NameNode bounded by {@link #HA_STATE_TIMEOUT_MS}, two ZooKeeper reads) and throws
 * {@link IOException} when the cluster or the controller's ZooKeeper cannot be read: an
 * unreachable cluster has no roster (its guards refuse on their own when cut off).
 */
public final class GuardRoster {
  private static final Logger LOG = LoggerFactory.getLogger(GuardRoster.class);
  /** How long a NameNode of an HA nameservice may take to say whether it is active. */
  public static final int HA_STATE_TIMEOUT_MS = 5000;

  private final IdentityLayout layout;
  private final CuratorFramework zk;

  /**
   * @param layout where member nodes live in the controller's ZooKeeper
   * @param zk     a started client of the controller's ZooKeeper
   */
  public GuardRoster(IdentityLayout layout, CuratorFramework zk) {
    this.layout = Objects.requireNonNull(layout, "layout");
    this.zk = Objects.requireNonNull(zk, "zk");
  }

  /**
   * One cluster's roster at one moment.
   *
   * @param cluster    the cluster's name as the identity record names it
   * @param expected   the guards that must acknowledge (see the class comment for their names)
   * @param members    every member node present under the cluster's members dir, to the guard
   *                   name it stands for (the node name without its {@code ~} suffix)
   * @param missing    expected guards with no member node: the switch must not count them done
   * @param unexpected member nodes of guards that are not expected (a standby NameNode, a
   *                   RegionServer that is not live any more but whose session has not expired):
   *                   their acks are not needed
   */
  public record Roster(String cluster, SortedSet<String> expected, SortedMap<String, String> members,
      SortedSet<String> missing, SortedSet<String> unexpected) {
    public Roster {
      expected = Collections.unmodifiableSortedSet(new TreeSet<>(expected));
      members = Collections.unmodifiableSortedMap(new TreeMap<>(members));
      missing = Collections.unmodifiableSortedSet(new TreeSet<>(missing));
      unexpected = Collections.unmodifiableSortedSet(new TreeSet<>(unexpected));
    }

    /** True when every expected guard has a member node. */
    public boolean complete() {
      return missing.isEmpty();
    }

    /** One line for a switch's report or refusal. */
    public String describe() {
      return "cluster " + cluster + ": " + expected.size() + " guards expected, " + (expected.size() - missing.size())
          + " registered" + (missing.isEmpty() ? "" : "; no member node for " + missing)
          + (unexpected.isEmpty() ? "" : "; not expected: " + unexpected);
    }
  }

  /**
   * Reads {@code cluster}'s live RegionServers and active NameNode(s), and the member nodes under
   * {@code members/<cluster.name()>}.
   *
   * @throws IOException if the cluster or the controller's ZooKeeper cannot be read
   */
  public Roster check(ClusterConnection cluster) throws IOException {
    SortedSet<String> expected = expected(cluster);
    SortedMap<String, String> members = members(cluster.name());
    SortedSet<String> missing = new TreeSet<>(expected);
    missing.removeAll(members.values());
    SortedSet<String> unexpected = new TreeSet<>();
    members.forEach((node, guard) -> {
      if (!expected.contains(guard)) {
        unexpected.add(node);
      }
    });
    return new Roster(cluster.name(), expected, members, missing, unexpected);
  }

  /**
   * The guards of {@code cluster} that must acknowledge: its live RegionServers that serve a user
   * region, and its active NameNode(s). A RegionServer serving no user region has no guard (the
   * guard comes with the first user region it opens, and refuses until it has read the record),
   * and nothing of an application's to refuse.
   */
  public SortedSet<String> expected(ClusterConnection cluster) throws IOException {
    SortedSet<String> out = new TreeSet<>();
    try (Admin admin = cluster.hbase().getAdmin()) {
      for (ServerName sn : admin.getRegionServers()) {
        if (admin.getRegions(sn).stream().anyMatch(r -> !r.getTable().isSystemTable())) {
          out.add(regionServerGuard(sn));
        }
      }
    }
    out.addAll(nameNodeGuards(cluster.conf()));
    return out;
  }

  /** The member nodes of {@code clusterName} to the guard each stands for. */
  SortedMap<String, String> members(String clusterName) throws IOException {
    SortedMap<String, String> out = new TreeMap<>();
    try {
      for (String node : zk.getChildren().forPath(layout.members(clusterName))) {
        out.put(node, guardOf(node));
      }
    } catch (KeeperException.NoNodeException e) {
      // no guard of this cluster ever registered
    } catch (Exception e) {
      throw new IOException("cannot read the member nodes " + layout.members(clusterName)
          + " in the controller's ZooKeeper: " + e, e);
    }
    return out;
  }

  /** The guard name a member node stands for: its name without the guard's {@code ~} suffix. */
  public static String guardOf(String memberNode) {
    int tilde = memberNode.lastIndexOf('~');
    return tilde < 0 ? memberNode : memberNode.substring(0, tilde);
  }

  /** The guard name of a RegionServer. */
  public static String regionServerGuard(ServerName server) {
    return sanitize("regionserver-" + server.toString());
  }

  /** The guard names of the active NameNode(s) of {@code conf}'s default file system. */
  static SortedSet<String> nameNodeGuards(Configuration conf) throws IOException {
    URI uri = FileSystem.getDefaultUri(conf);
    SortedSet<String> out = new TreeSet<>();
    if (!HAUtilClient.isLogicalUri(conf, uri)) {
      int port = uri.getPort() < 0 ? 8020 : uri.getPort();
      out.add(sanitize(IdentityLayout.nameNodeGuard(uri.getHost(), port)));
      return out;
    }
    String ns = uri.getHost();
    Map<String, InetSocketAddress> all = new TreeMap<>();
    for (String nn : DFSUtilClient.getNameNodeIds(conf, ns)) {
      String key = "dfs.namenode.servicerpc-address." + ns + "." + nn;
      String addr = conf.getTrimmed(key, conf.getTrimmed("dfs.namenode.rpc-address." + ns + "." + nn, ""));
      if (!addr.isEmpty()) {
        all.put(nn, NetUtils.createSocketAddr(addr));
      }
    }
    for (Map.Entry<String, InetSocketAddress> e : all.entrySet()) {
      if (isActive(conf, e.getValue())) {
        out.add(sanitize("namenode-" + ns + "." + e.getKey()));
      }
    }
    if (out.isEmpty()) {
      LOG.warn("No NameNode of nameservice {} answered ACTIVE; expecting the guards of all of them: {}", ns,
          all.keySet());
      all.keySet().forEach(nn -> out.add(sanitize("namenode-" + ns + "." + nn)));
    }
    return out;
  }

  private static boolean isActive(Configuration conf, InetSocketAddress addr) {
    HAServiceProtocolClientSideTranslatorPB proxy = null;
    try {
      proxy = new HAServiceProtocolClientSideTranslatorPB(addr, conf, NetUtils.getDefaultSocketFactory(conf),
          HA_STATE_TIMEOUT_MS);
      return proxy.getServiceStatus().getState() == HAServiceProtocol.HAServiceState.ACTIVE;
    } catch (IOException | RuntimeException e) {
      LOG.info("NameNode {} did not say whether it is active: {}", addr, e.toString());
      return false;
    } finally {
      if (proxy != null) {
        proxy.close();
      }
    }
  }

  /** What {@link IdentityLayout#member} does to a member name. */
  private static String sanitize(String name) {
    return name.replace('/', '_').replace(',', '_');
  }
}
