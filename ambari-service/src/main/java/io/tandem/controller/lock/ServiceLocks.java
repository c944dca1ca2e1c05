package io.tandem.controller.lock;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.core.error.TandemException;

/**
 * One lock per service across every process that drives Tandem (the active controller's
 * scheduler, a standby's API, the CLI): cuts, restores, retention and user syncs of a service run
 * one at a time. Each lock is a Curator {@link InterProcessMutex} in the controller's ZooKeeper, so
 * it is released when its holder's session ends, also when the holder was killed. Beside it, an
 * ephemeral node says who holds it and for what, for the error a refused caller gets.
 *
 * <p>Re-entrant per thread (a switch's final cut runs the cut's user sync under the same lock).
 * Thread-safe; one instance per ZooKeeper client.
 */
public final class ServiceLocks {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceLocks.class);

  private final CuratorFramework zk;
  private final String locks;
  private final String holders;
  private final String self;
  private final Map<String, InterProcessMutex> mutexes = new ConcurrentHashMap<>();

  /**
   * @param root the controller's ZooKeeper root ({@code tandem.controller.zk.root})
   * @param self who this process is, e.g. {@code host:pid}, shown to callers this process blocks
   */
  public ServiceLocks(CuratorFramework zk, String root, String self) {
    this.zk = zk;
    this.locks = root + "/locks/services";
    this.holders = root + "/locks/holders";
    this.self = self;
  }

  /** A held lock; closing it releases it (once). */
  public final class Held implements AutoCloseable {
    private final String service;
    private final InterProcessMutex mutex;
    private final boolean outermost;
    private final long sessionId;
    private boolean released;

    private Held(String service, InterProcessMutex mutex, boolean outermost, long sessionId) {
      this.service = service;
      this.mutex = mutex;
      this.outermost = outermost;
      this.sessionId = sessionId;
    }

    /**
     * Throws unless this lock is still held: a ZooKeeper session that expired while it was held
     * took the lock node with it, and another process may have the service now.
     *
     * @throws TandemException CONFLICT naming the service and why
     */
    public void check() {
      long now = currentSession();
      String why = released ? "released"
          : now != sessionId ? "the controller's ZooKeeper session expired"
          : !zk.getZookeeperClient().isConnected() ? "disconnected from the controller's ZooKeeper"
          : ownsLockNode() ? null : "its lock node is gone from the controller's ZooKeeper";
      if (why != null) {
        throw TandemException.conflict("the lock of service " + service + " was lost (" + why
            + "): another process may be working on it");
      }
    }

    /**
     * Asks the server, not the client's view of its session: a session the server has expired
     * took its lock node with it even while the client has not heard of it yet.
     */
    private boolean ownsLockNode() {
      String dir = locks + "/" + service;
      try {
        for (String child : zk.getChildren().forPath(dir)) {
          Stat stat = zk.checkExists().forPath(dir + "/" + child);
          if (stat != null && stat.getEphemeralOwner() == sessionId) {
            return true;
          }
        }
        return false;
      } catch (Exception e) {
        return false;
      }
    }

    @Override
    public synchronized void close() {
      if (released) {
        return;
      }
      released = true;
      if (outermost) {
        try {
          zk.delete().quietly().forPath(holders + "/" + service);
        } catch (Exception e) {
          LOG.warn("could not remove the holder note of service {}'s lock: {}", service, e.toString());
        }
      }
      try {
        mutex.release();
      } catch (Exception e) {
        // The session is gone, and the lock with it.
        LOG.warn("could not release the lock of service {} ({}); it goes with this process's ZooKeeper session",
            service, e.toString());
      }
    }
  }

  /**
   * Takes the lock of {@code service}, waiting at most {@code wait}.
   *
   * @param purpose what the lock is for, e.g. "cut billing-20261203T..." (shown to refused callers)
   * @throws TandemException CONFLICT naming the holder when it is not free in time, UNAVAILABLE
   *         when the controller's ZooKeeper cannot be reached
   */
  public Held lock(String service, String purpose, Duration wait) {
    InterProcessMutex mutex = mutexes.computeIfAbsent(service, s -> new InterProcessMutex(zk, locks + "/" + s));
    boolean reentrant = mutex.isOwnedByCurrentThread();
    boolean got;
    try {
      got = mutex.acquire(Math.max(0, wait.toMillis()), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw TandemException.unavailable("could not lock service " + service + " in the controller's ZooKeeper: " + e, e);
    }
    if (!got) {
      throw TandemException.conflict("service " + service + " is busy: " + holder(service).orElse("another operation")
          + "; retry when it has finished (a holder that died lets go after tandem.zk.session.timeout.ms)");
    }
    if (!reentrant) {
      String note = purpose + " by " + self + " since " + Instant.now();
      try {
        zk.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL)
            .forPath(holders + "/" + service, note.getBytes(StandardCharsets.UTF_8));
      } catch (KeeperException.NodeExistsException e) {
        // Left by a holder whose session has not expired yet while its lock node has: overwrite.
        try {
          zk.delete().quietly().forPath(holders + "/" + service);
          zk.create().withMode(CreateMode.EPHEMERAL).forPath(holders + "/" + service, note.getBytes(StandardCharsets.UTF_8));
        } catch (Exception again) {
          LOG.debug("holder note of {} not written: {}", service, again.toString());
        }
      } catch (Exception e) {
        LOG.debug("holder note of {} not written: {}", service, e.toString());
      }
    }
    return new Held(service, mutex, !reentrant, currentSession());
  }

  private long currentSession() {
    try {
      return zk.getZookeeperClient().getZooKeeper().getSessionId();
    } catch (Exception e) {
      return -1;
    }
  }

  /** Who holds the lock of {@code service} and for what, if anyone says so. */
  public Optional<String> holder(String service) {
    try {
      return Optional.of(new String(zk.getData().forPath(holders + "/" + service), StandardCharsets.UTF_8));
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /** Whether any process holds (or waits for) the lock of {@code service}. */
  public boolean isLocked(String service) {
    try {
      return zk.checkExists().forPath(locks + "/" + service) != null
          && !zk.getChildren().forPath(locks + "/" + service).isEmpty();
    } catch (Exception e) {
      throw TandemException.unavailable("could not read the lock of service " + service + ": " + e, e);
    }
  }

  /** Lock nodes held or waited for, over all services (leak checks count these). */
  public int held() {
    try {
      if (zk.checkExists().forPath(locks) == null) {
        return 0;
      }
      int n = 0;
      List<String> services = zk.getChildren().forPath(locks);
      for (String s : services) {
        try {
          n += zk.getChildren().forPath(locks + "/" + s).size();
        } catch (KeeperException.NoNodeException gone) {
          // a container node ZooKeeper just removed
        }
      }
      return n;
    } catch (Exception e) {
      throw TandemException.unavailable("could not count service locks: " + e, e);
    }
  }
}
