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

  @Override
  public void setConf(Configuration conf) {
    this.conf = conf;
    Class<? extends INodeAttributeProvider> cls = conf.getClass(GuardKeys.CHAINED_PROVIDER.name(), null,
        INodeAttributeProvider.class);
    if (cls != null) {
      if (TandemAttributeProvider.class.isAssignableFrom(cls)) {
        throw new IllegalArgumentException(GuardKeys.CHAINED_PROVIDER.name() + " names " + cls.getName()
            + ", which would chain Tandem's provider to itself");
      }
      chained = ReflectionUtils.newInstance(cls, conf);
    }
  }

  @Override
  public Configuration getConf() {
    return conf;
  }

  @Override
  public void start() {
    if (chained != null) {
      chained.start();
      LOG.info("TandemAttributeProvider chains to {}", chained.getClass().getName());
    }
    Configuration c = conf == null ? new Configuration() : conf;
    try {
      guard = IdentityGuard.start(memberName(c), c);
    } catch (RuntimeException e) {
      // Never fail the NameNode over the guard's configuration; say loudly that nothing is guarded.
      LOG.error("TandemAttributeProvider: identity guard is misconfigured; protected directories are NOT guarded", e);
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
