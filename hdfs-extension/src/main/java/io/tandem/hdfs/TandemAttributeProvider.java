package io.tandem.hdfs;

import java.net.URI;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

import org.apache.hadoop.conf.Configurable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
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
 * until it has read the record once it refuses writes to the directories it last protected (see
 * {@link IdentityGuard}). The NameNode plugin of the same NameNode finds this provider
 * ({@link #of}) and lends the guard what ends open writes on demotion.
 */
public class TandemAttributeProvider extends INodeAttributeProvider implements Configurable {
  private static final Logger LOG = LoggerFactory.getLogger(TandemAttributeProvider.class);

  /**
   * Providers by the Configuration instance the NameNode made them with (the NameNode's own), so
   * the NameNode plugin of the same NameNode finds its guard; weak, and by identity
   * (Configuration does not override equals).
   */
  private static final Map<Configuration, TandemAttributeProvider> BY_CONF =
      Collections.synchronizedMap(new WeakHashMap<>());

  private Configuration conf;
  private INodeAttributeProvider chained;
  private volatile IdentityGuard guard;
  private volatile IdentityGuard.OpenWrites openWrites;

  /**
   * Never fails the NameNode: an empty or absent chained provider means none; one that cannot be
   * loaded, is not an INodeAttributeProvider, is Tandem's own or cannot be made is refused with one
   * ERROR line, and the NameNode runs without it, so ITS checks (Ranger's policies, say) are not
   * applied until the key is fixed: HDFS's own permissions decide meanwhile.
   */
  @Override
  public void setConf(Configuration conf) {
    this.conf = conf;
    if (conf != null) {
      BY_CONF.put(conf, this);
    }
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
      IdentityGuard.OpenWrites w = openWrites;
      if (guard != null && w != null) {
        guard.endOpenWritesWith(w);
      }
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

  /** The provider the NameNode made with {@code nameNodeConf}, or null. */
  static TandemAttributeProvider of(Configuration nameNodeConf) {
    return BY_CONF.get(nameNodeConf);
  }

  /** What ends the writes open under protected directories when the guard demotes (the plugin's). */
  void endOpenWritesWith(IdentityGuard.OpenWrites w) {
    openWrites = w;
    IdentityGuard g = guard;
    if (g != null) {
      g.endOpenWritesWith(w);
    }
  }

  /**
   * The member name of this NameNode's guard, before its unique suffix: {@code namenode-<ns>.<nn>}
   * for a NameNode of an HA nameservice, else {@code namenode-<host>:<port>} of its RPC address
   * (the NameNode has written its bound address into {@code fs.defaultFS} of its own configuration
   * before the provider starts), the host canonical. The controller's {@code GuardRoster} derives
   * the same names from the cluster's client configuration; keep the two in step.
   */
  static String memberName(Configuration c) {
    String ns = c.getTrimmed("dfs.nameservice.id", "");
    String nn = c.getTrimmed("dfs.ha.namenode.id", "");
    if (!nn.isEmpty()) {
      return "namenode-" + (ns.isEmpty() ? "" : ns + ".") + nn;
    }
    URI uri = FileSystem.getDefaultUri(c);
    String host = uri.getHost();
    int port = uri.getPort() < 0 ? 8020 : uri.getPort();
    return io.tandem.core.identity.IdentityLayout.nameNodeGuard(host, port);
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
