package io.tandem.core.zk;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ZooKeeper session for Tandem's server-side parts (the RegionServer's fence participant, the
 * NameNode plugin), with the plain ZooKeeper client: the servers' Curator version differs between
 * deployments, the ZooKeeper client does not. ZooKeeper and SLF4J are provided by the server.
 * When the session expires a new one is opened and {@code onNewSession} runs, so the owner can
 * re-read state and set its watches again. Calls retry on connection loss until their deadline.
 *
 * <p>Thread-safe. {@link #close()} is idempotent.
 */
public final class ZkSession implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(ZkSession.class);

  private final String owner;
  private final String connect;
  private final int sessionTimeoutMs;
  private final Runnable onNewSession;
  private final ZkAcl acl;
  private volatile ZooKeeper zk;
  private volatile CountDownLatch connected = new CountDownLatch(1);
  private volatile boolean closed;

  /**
   * @param owner names the user of the session in log lines, e.g. "Tandem fence"
   * @param acl the credentials this session presents, and the ACL of the acks it writes with
   *        {@link #put} (participants' nodes of the cut protocol: {@link ZkAcl.Kind#SHARED})
   */
  public ZkSession(String owner, String connect, int sessionTimeoutMs, ZkAcl acl, Runnable onNewSession)
      throws IOException {
    if (connect == null || connect.isBlank()) {
      throw new IllegalArgumentException("ZooKeeper connect string is empty");
    }
    this.owner = owner;
    this.connect = connect;
    this.sessionTimeoutMs = sessionTimeoutMs;
    this.onNewSession = onNewSession;
    this.acl = acl;
    open();
  }

  private synchronized void open() throws IOException {
    if (closed) {
      return;
    }
    CountDownLatch latch = new CountDownLatch(1);
    connected = latch;
    Watcher sessionWatcher = new Watcher() {
      @Override
      public void process(WatchedEvent event) {
        switch (event.getState()) {
          case SyncConnected:
            latch.countDown();
            break;
          case Expired:
            LOG.warn("{}: ZooKeeper session to {} expired; opening a new one", owner, connect);
            reopen();
            break;
          default:
            break;
        }
      }
    };
    ZooKeeper old = zk;
    ZooKeeper fresh = new ZooKeeper(connect, sessionTimeoutMs, sessionWatcher);
    acl.authenticate(fresh);
    zk = fresh;
    if (old != null) {
      closeQuietly(old);
    }
  }

  private void reopen() {
    Thread t = new Thread(() -> {
      try {
        open();
        onNewSession.run();
      } catch (IOException | RuntimeException e) {
        LOG.error("{}: could not reopen ZooKeeper session to {}", owner, connect, e);
      }
    }, "tandem-zk-reopen");
    t.setDaemon(true);
    t.start();
  }

  /** @return true if connected within the timeout */
  public boolean awaitConnected(long timeoutMs) throws InterruptedException {
    return connected.await(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /** Children of {@code path} with a watch; empty (and an existence watch) if it does not exist. */
  public List<String> children(String path, Watcher watcher, long deadlineNanos) throws IOException {
    return retry(deadlineNanos, () -> {
      try {
        return zk.getChildren(path, watcher);
      } catch (KeeperException.NoNodeException e) {
        if (zk.exists(path, watcher) != null) {
          return zk.getChildren(path, watcher);
        }
        return List.of();
      }
    });
  }

  /** Data of {@code path}, or null if it does not exist. */
  public byte[] data(String path, long deadlineNanos) throws IOException {
    return retry(deadlineNanos, () -> {
      try {
        return zk.getData(path, false, null);
      } catch (KeeperException.NoNodeException e) {
        return null;
      }
    });
  }

  /**
   * Creates {@code path} (and a missing last parent {@code parentToEnsure}, if given) or, if it
   * exists, replaces its data.
   *
   * @return false if the grandparent (the cut node) no longer exists
   */
  public boolean put(String parentToEnsure, String path, byte[] data, long deadlineNanos) throws IOException {
    return retry(deadlineNanos, () -> {
      try {
        if (parentToEnsure != null) {
          try {
            zk.create(parentToEnsure, new byte[0], acl.acl(ZkAcl.Kind.SHARED), CreateMode.PERSISTENT);
          } catch (KeeperException.NodeExistsException ignored) {
            // another participant made it
          }
        }
        try {
          zk.create(path, data, acl.acl(ZkAcl.Kind.SHARED), CreateMode.PERSISTENT);
        } catch (KeeperException.NodeExistsException e) {
          zk.setData(path, data, -1);
        }
        return true;
      } catch (KeeperException.NoNodeException e) {
        return false;
      }
    });
  }

  private interface ZkCall<T> {
    T call() throws KeeperException, InterruptedException;
  }

  private <T> T retry(long deadlineNanos, ZkCall<T> call) throws IOException {
    while (true) {
      try {
        return call.call();
      } catch (KeeperException.ConnectionLossException | KeeperException.SessionExpiredException
          | KeeperException.SessionMovedException e) {
        if (closed || System.nanoTime() - deadlineNanos > 0) {
          throw new IOException("ZooKeeper " + connect + " unreachable: " + e.getMessage(), e);
        }
        // Back off a little: the client reconnects by itself, a tight loop would only burn CPU.
        java.util.concurrent.locks.LockSupport.parkNanos(
            Math.max(1, Math.min(100_000_000L, deadlineNanos - System.nanoTime())));
      } catch (KeeperException e) {
        throw new IOException("ZooKeeper " + connect + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
  }

  public static String text(byte[] data) {
    return data == null ? "" : new String(data, StandardCharsets.UTF_8);
  }

  private static void closeQuietly(ZooKeeper z) {
    try {
      z.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.debug("ignoring failure closing ZooKeeper", e);
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (zk != null) {
      closeQuietly(zk);
    }
  }
}
