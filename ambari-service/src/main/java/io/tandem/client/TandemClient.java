package io.tandem.client;

import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.core.identity.IdentityLayout;
import io.tandem.core.identity.IdentityRecord;

/**
 * Gives applications an HBase {@link Connection} and a {@link FileSystem} for whichever
 * cluster is primary, and re-points them when the identity changes. It watches the identity
 * record in the controller's ZooKeeper and reads each cluster's client settings there (the
 * controller publishes them under {@code <root>/clusters/<name>}).
 *
 * <p>Applications should call {@link #connection()} / {@link #fileSystem()} per unit of work
 * rather than caching the result: after a switch the old ones are closed. While a switch is in
 * progress there is no primary and both calls throw {@link IOException} ("no primary"), which
 * applications retry like any other transient failure.
 *
 * <p>Thread-safe. {@link #close()} closes everything it opened.
 */
public final class TandemClient implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(TandemClient.class);

  private final CuratorFramework zk;
  private final IdentityLayout layout;
  private final CuratorCache cache;
  private final List<Consumer<IdentityRecord>> listeners = new CopyOnWriteArrayList<>();
  private IdentityRecord identity;
  private Connection connection;
  private FileSystem fs;

  /**
   * @param controllerZk the controller's ZooKeeper (tandem.controller.zk.quorum)
   * @param root         tandem.controller.zk.root, e.g. /tandem
   * @throws IOException if the controller's ZooKeeper is unreachable or holds no identity record
   */
  public TandemClient(String controllerZk, String root) throws IOException {
    Objects.requireNonNull(controllerZk, "controllerZk");
    this.layout = new IdentityLayout(root);
    this.zk = CuratorFrameworkFactory.newClient(controllerZk, 30_000, 10_000, new ExponentialBackoffRetry(200, 5));
    zk.start();
    try {
      if (!zk.blockUntilConnected(20, TimeUnit.SECONDS)) {
        zk.close();
        throw new IOException("controller ZooKeeper " + controllerZk + " is unreachable");
      }
      onRecord(zk.getData().forPath(layout.identity()));
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      zk.close();
      throw new IOException("cannot read the identity record " + layout.identity() + ": " + e.getMessage(), e);
    }
    this.cache = CuratorCache.build(zk, layout.identity(), CuratorCache.Options.SINGLE_NODE_CACHE);
    cache.listenable().addListener(CuratorCacheListener.builder()
        .forChanges((before, after) -> onRecord(after.getData()))
        .build());
    cache.start();
  }

  private synchronized void onRecord(byte[] data) {
    IdentityRecord next = IdentityRecord.decode(data);
    if (next.equals(identity)) {
      return;
    }
    IdentityRecord before = identity;
    identity = next;
    if (before != null && !next.primary().equals(before.primary())) {
      LOG.warn("primary changed: {} -> {} (epoch {}); re-pointing connections", before.primary(),
          next.inTransition() ? "(none, switching)" : next.primary(), next.epoch());
      closeQuietly();
    }
    for (Consumer<IdentityRecord> l : listeners) {
      l.accept(next);
    }
  }

  /** Called with every new identity record. */
  public void addListener(Consumer<IdentityRecord> l) {
    listeners.add(l);
  }

  /** The cluster applications should use now; empty while a switch is in progress. */
  public synchronized String activeCluster() {
    return identity.primary();
  }

  public synchronized IdentityRecord identity() {
    return identity;
  }

  /** The primary's HBase connection (shared; do not close it). */
  public synchronized Connection connection() throws IOException {
    if (connection == null || connection.isClosed()) {
      connection = ConnectionFactory.createConnection(clusterConf());
    }
    return connection;
  }

  /** The primary's FileSystem (shared; do not close it). */
  public synchronized FileSystem fileSystem() throws IOException {
    if (fs == null) {
      Configuration c = clusterConf();
      fs = FileSystem.newInstance(URI.create(c.get("fs.defaultFS")), c);
    }
    return fs;
  }

  private Configuration clusterConf() throws IOException {
    if (identity.inTransition()) {
      throw new IOException("no primary cluster right now (switch in progress, epoch " + identity.epoch() + "): retry");
    }
    Properties p = new Properties();
    try {
      p.load(new ByteArrayInputStream(zk.getData().forPath(clusterPath(layout, identity.primary()))));
    } catch (Exception e) {
      throw new IOException("no client settings published for cluster " + identity.primary() + ": " + e.getMessage(), e);
    }
    Configuration c = HBaseConfiguration.create();
    p.forEach((k, v) -> c.set((String) k, (String) v));
    return c;
  }

  /** Where the controller publishes a cluster's client settings. */
  public static String clusterPath(IdentityLayout layout, String cluster) {
    return layout.root() + "/clusters/" + cluster;
  }

  private void closeQuietly() {
    try {
      if (connection != null) {
        connection.close();
      }
    } catch (IOException e) {
      LOG.debug("closing old connection: {}", e.toString());
    }
    try {
      if (fs != null) {
        fs.close();
      }
    } catch (IOException e) {
      LOG.debug("closing old file system: {}", e.toString());
    }
    connection = null;
    fs = null;
  }

  @Override
  public synchronized void close() {
    cache.close();
    closeQuietly();
    zk.close();
  }
}
