package io.tandem.core.config;

import java.util.List;

import io.tandem.core.cut.CutProtocol;
import io.tandem.core.identity.GuardKeys;
import io.tandem.core.zk.ZkAcl;

/**
 * Every key Tandem's server-side parts read from their host's configuration: hbase-site.xml of the
 * RegionServers (the fence and the identity guard coprocessors), hdfs-site.xml of the NameNodes
 * (the cut plugin and the identity guard's attribute provider), with its default and doc. The keys
 * of the write fence and the cut plugins are defined here; the identity guard's in
 * {@link GuardKeys}, and the ZooKeeper ACL names in {@link ZkAcl}, are listed here. The docs table
 * comes from {@link #GROUPS}, and a test fails when a key read by core, hbase-coprocessor or
 * hdfs-extension is missing.
 *
 * <p>Values are read through {@link ServerConf}: empty means the default, a bad value is logged
 * and replaced by the default, never thrown at the host.
 */
public final class ServerKeys {
  private ServerKeys() {
  }

  /** Keys that differ by site, and the keys both sites read. */
  public record Group(String title, List<ConfigKey> keys) {
    public Group {
      keys = List.copyOf(keys);
    }
  }

  public static final ConfigKey CUT_ZK_QUORUM = new ConfigKey("tandem.cut.zookeeper.quorum", "",
      "ZooKeeper (host:port,...) where the controller publishes cuts: the primary's HBase quorum. RegionServers:"
          + " empty means their own hbase.zookeeper.quorum. NameNodes: required; unset, the plugin stays idle and"
          + " fenced cuts with HDFS directories fail at their HDFS step.");
  /** The same name as the controller's key, whose value it must equal. */
  public static final ConfigKey CUT_ZK_ROOT = new ConfigKey(TandemKeys.CUT_ZK_ROOT.name(), CutProtocol.DEFAULT_ROOT,
      "Znode under which cuts are published; must equal tandem-site's value. A relative or otherwise unusable path"
          + " is refused (logged) and the default used.");
  public static final ConfigKey CUT_ZK_SESSION_TIMEOUT_MS = new ConfigKey("tandem.cut.zookeeper.session.timeout.ms",
      "30000", "Session timeout, in ms, of the ZooKeeper session with which the fence (RegionServers) and the cut"
          + " plugin (NameNodes) watch for cuts.");

  /**
   * A flush thread stays busy until its flush has written its file, but the ack only waits for each
   * flush's memstore snapshot; so with fewer threads than fenced regions on the server, the last
   * regions' snapshots wait for earlier flushes to write their files, and the fence window grows by
   * whole flushes (measured: 75 regions per server with 32 threads held writes 3.5-10 s).
   */
  public static final ConfigKey FENCE_FLUSH_THREADS = new ConfigKey("tandem.fence.flush.threads", "256",
      "Most threads per RegionServer that flush fenced regions in parallel while a cut arms; with fewer than the"
          + " server's fenced regions the fence window grows by whole flushes. They exist only while a cut flushes.");
  /**
   * The lease bounds how long a RegionServer holds writes and flushes for one cut; refusing a longer
   * one keeps a spec written by anyone but the controller from freezing tables for long.
   */
  public static final ConfigKey FENCE_LEASE_MAX_MS = new ConfigKey("tandem.fence.lease.max.ms", "120000",
      "Longest lease, in ms, a cut may ask a RegionServer to hold writes and flushes for; a cut asking for more is"
          + " aborted, not fenced. Keep it at or above tandem-site's " + TandemKeys.FENCE_LEASE_MS.name() + ".");

  public static final ConfigKey ZK_ACL_CONTROLLER = new ConfigKey(ZkAcl.CONTROLLER_IDS_KEY, "",
      "ZooKeeper ids of the controller (e.g. sasl:tandem); the same value as in tandem-site. The nodes this server"
          + " creates give them every right. Empty: Tandem's znodes stay open.");
  public static final ConfigKey ZK_ACL_PARTICIPANTS = new ConfigKey(ZkAcl.PARTICIPANT_IDS_KEY, "",
      "ZooKeeper ids of the RegionServers and NameNodes (e.g. sasl:hbase,sasl:hdfs); the same value as in tandem-site."
          + " Set while the controller's ids are empty: refused, and this server presents no credentials.");
  public static final ConfigKey ZK_AUTH = new ConfigKey(ZkAcl.AUTH_KEY, "",
      "Credentials this server adds to its ZooKeeper sessions, of an id in " + ZkAcl.PARTICIPANT_IDS_KEY
          + ": digest:user:password, or @/path to read them from a file. Empty with Kerberos: the JAAS Client"
          + " section logs in.");

  public static final Group HBASE_SITE = new Group("hbase-site (RegionServers)",
      List.of(FENCE_FLUSH_THREADS, FENCE_LEASE_MAX_MS));
  public static final Group HDFS_SITE = new Group("hdfs-site (NameNodes)",
      List.of(GuardKeys.HDFS_STATE_DIR, GuardKeys.CHAINED_PROVIDER));
  public static final Group BOTH = new Group("both (hbase-site and hdfs-site)",
      List.of(CUT_ZK_QUORUM, CUT_ZK_ROOT, CUT_ZK_SESSION_TIMEOUT_MS, GuardKeys.ZK_QUORUM, GuardKeys.ZK_ROOT,
          GuardKeys.CLUSTER_NAME, GuardKeys.BYPASS_USERS, GuardKeys.SESSION_TIMEOUT_MS, ZK_ACL_CONTROLLER,
          ZK_ACL_PARTICIPANTS, ZK_AUTH));

  public static final List<Group> GROUPS = List.of(HBASE_SITE, HDFS_SITE, BOTH);

  /** Every server-side key, each once. */
  public static final List<ConfigKey> ALL = GROUPS.stream().flatMap(g -> g.keys().stream()).toList();
}
