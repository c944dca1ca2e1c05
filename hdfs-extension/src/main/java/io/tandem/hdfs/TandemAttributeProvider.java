package io.tandem.hdfs;

import java.net.InetAddress;
import java.net.UnknownHostException;

import org.apache.hadoop.conf.Configurable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.server.namenode.INodeAttributeProvider;
import org.apache.hadoop.hdfs.server.namenode.INodeAttributes;
import org.apache.hadoop.util.ReflectionUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.core.config.ServerConf;
import io.tandem.core.identity.GuardKeys;

/**
 * The NameNode side of Tandem's identity guard, configured as
 * {@code dfs.namenode.inode.attributes.provider.class}: its access control enforcer
 * ({@link GuardEnforcer}) refuses application writes to protected directories while this cluster
 * does not hold the primary role, per the identity record in the controller's ZooKeeper that its
 * {@link IdentityGuard} follows.
 *
 * <p>It adds no attributes of its own. When {@code tandem.hdfs.chained.attributes.provider.class}
 * names another provider (Ranger's, say), that one is started and stopped with it, supplies the
 * attributes, and its enforcer runs after the guard's check. Otherwise attributes are the inodes'
 * own and HDFS's default permission check runs after the guard's.
 *
 * <p>The guard never blocks the NameNode: its ZooKeeper session opens in the background, and
 * until it has read the record once it refuses nothing.
 */
public class TandemAttributeProvider extends INodeAttributeProvider implements Configurable {
  private static final Logger LOG = LoggerFactory.getLogger(TandemAttributeProvider.class);

  private Configuration conf;
  private INodeAttributeProvider chained;
  private volatile IdentityGuard guard;

  /**
   * Never fails the NameNode: an empty or absent chained provider means none; one that cannot be
   * loaded, is not an INodeAttributeProvider, is Tandem's own or cannot be made is refused with one
   * ERROR line, and the NameNode runs without it, so ITS checks (Ranger's policies, say) are not
   * applied until the key is fixed: HDFS's own permissions decide meanwhile.
   */
  @Override
  public void setConf(Configuration conf) {
    this.conf = conf;
    ServerConf sc = new ServerConf(conf, "hdfs-site.xml");
    String key = GuardKeys.CHAINED_PROVIDER.name();
    Class<? extends INodeAttributeProvider> cls = sc.implementation(key, INodeAttributeProvider.class,
        TandemAttributeProvider.class, WITHOUT_CHAINED);
    if (cls != null) {
      try {
        chained = ReflectionUtils.newInstance(cls, conf);
      } catch (RuntimeException | LinkageError e) {
        sc.refuse(key, cls.getName(), "cannot be instantiated (" + e + ")", WITHOUT_CHAINED,
            "check that provider's own configuration, or clear " + key);
      }
    }
  }

  static final String WITHOUT_CHAINED = "NO chained provider: its access checks (e.g. Ranger's policies) are NOT"
      + " applied, HDFS's own permissions decide";

  @Override
  public Configuration getConf() {
    return conf;
  }

  @Override
  public void start() {
    if (chained != null) {
      try {
        chained.start();
        LOG.info("TandemAttributeProvider chains to {}", chained.getClass().getName());
      } catch (RuntimeException | LinkageError e) {
        new ServerConf(conf, "hdfs-site.xml").refuse(GuardKeys.CHAINED_PROVIDER.name(), chained.getClass().getName(),
            "failed to start (" + e + ")", WITHOUT_CHAINED, "check that provider's own configuration and log");
        chained = null;
      }
    }
    Configuration c = conf == null ? new Configuration() : conf;
    try {
      guard = IdentityGuard.start(memberName(c), c);
    } catch (RuntimeException e) {
      // Never fail the NameNode over the guard's configuration; say loudly that nothing is guarded.
      LOG.error("TandemAttributeProvider: identity guard is misconfigured; protected directories are NOT guarded: {}",
          e.toString());
    }
  }

  @Override
  public void stop() {
    IdentityGuard g = guard;
    guard = null;
    if (g != null) {
      g.close();
    }
    if (chained != null) {
      chained.stop();
    }
  }

  private static String memberName(Configuration c) {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "unknown-host";
    }
    String ns = c.getTrimmed("dfs.nameservice.id", "");
    String nn = c.getTrimmed("dfs.ha.namenode.id", "");
    return "namenode-" + host + (ns.isEmpty() ? "" : "-" + ns) + (nn.isEmpty() ? "" : "-" + nn);
  }

  @Override
  public INodeAttributes getAttributes(String[] pathElements, INodeAttributes inode) {
    return chained == null ? inode : chained.getAttributes(pathElements, inode);
  }

  @Override
  public INodeAttributes getAttributes(String fullPath, INodeAttributes inode) {
    return chained == null ? inode : chained.getAttributes(fullPath, inode);
  }

  @Override
  public INodeAttributes getAttributes(byte[][] components, INodeAttributes inode) {
    return chained == null ? inode : chained.getAttributes(components, inode);
  }

  /**
   * Called by the NameNode for every permission checker (one per RPC), so it only wraps. Also
   * called once with null at start, to see whether the enforcer declares
   * {@code checkPermissionWithContext}; ours does.
   */
  @Override
  public AccessControlEnforcer getExternalAccessControlEnforcer(AccessControlEnforcer defaultEnforcer) {
    AccessControlEnforcer next = chained == null ? defaultEnforcer
        : chained.getExternalAccessControlEnforcer(defaultEnforcer);
    IdentityGuard g = guard;
    return g == null ? next : new GuardEnforcer(g, next);
  }
}
