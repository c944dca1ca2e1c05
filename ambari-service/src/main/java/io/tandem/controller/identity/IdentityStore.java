package io.tandem.controller.identity;

import java.util.Optional;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

import io.tandem.core.error.TandemException;
import io.tandem.core.identity.IdentityLayout;
import io.tandem.core.identity.IdentityRecord;
import io.tandem.core.identity.ProtectedSets;

/**
 * The identity record in the controller's ZooKeeper. Every change is one ZooKeeper transaction
 * that checks the record's version (compare-and-set) and, when the caller is an elected
 * controller, that its leader-latch node still exists (the fencing token from
 * {@code LeaderLatch.getLastPathIsLeader()}): a controller that lost leadership, or two admins
 * racing, cannot both win.
 */
public final class IdentityStore implements java.io.Closeable {
  private final CuratorFramework zk;
  private final IdentityLayout layout;
  private volatile org.apache.curator.framework.recipes.cache.CuratorCache cache;

  public IdentityStore(CuratorFramework zk, IdentityLayout layout) {
    this.zk = zk;
    this.layout = layout;
  }

  public IdentityLayout layout() {
    return layout;
  }

  /** The record and its znode version. */
  public record Versioned(IdentityRecord record, int version) {
  }

  public Optional<Versioned> read() {
    try {
      Stat stat = new Stat();
      byte[] data = zk.getData().storingStatIn(stat).forPath(layout.identity());
      return Optional.of(new Versioned(IdentityRecord.decode(data), stat.getVersion()));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      throw TandemException.failed("the identity record at " + layout.identity() + " is corrupt: " + e.getMessage(), e);
    } catch (Exception e) {
      throw TandemException.unavailable("could not read the identity record from the controller's ZooKeeper: " + e, e);
    }
  }

  /**
   * Keeps a watched copy of the record ({@link #watched()}), updated by ZooKeeper within a round
   * trip of any change, whoever makes it. Idempotent.
   */
  public synchronized void watch() {
    if (cache == null) {
      cache = org.apache.curator.framework.recipes.cache.CuratorCache.build(zk, layout.identity(),
          org.apache.curator.framework.recipes.cache.CuratorCache.Options.SINGLE_NODE_CACHE);
      cache.start();
    }
  }

  /**
   * The record as last seen by the watch, without a ZooKeeper round trip; read directly when not
   * watching or the watch has not seen it yet. Decisions that change the record use
   * {@link #require()} and compare-and-set, never this copy.
   */
  public Versioned watched() {
    var c = cache;
    if (c != null) {
      var d = c.get(layout.identity());
      if (d.isPresent() && d.get().getData() != null && d.get().getStat() != null) {
        try {
          return new Versioned(IdentityRecord.decode(d.get().getData()), d.get().getStat().getVersion());
        } catch (IllegalArgumentException e) {
          // fall through to a direct read, which reports the corrupt record
        }
      }
    }
    return require();
  }

  @Override
  public synchronized void close() {
    if (cache != null) {
      cache.close();
      cache = null;
    }
  }

  public Versioned require() {
    return read().orElseThrow(() -> TandemException.notFound(
        "no identity record at " + layout.identity() + ": start the controller once to initialize it"));
  }

  /** Creates the first record (epoch 1) naming {@code primary}, unless one exists. */
  public Versioned initIfAbsent(IdentityRecord first) {
    try {
      zk.create().creatingParentContainersIfNeeded().forPath(layout.identity(), first.encode());
    } catch (KeeperException.NodeExistsException e) {
      // Someone (another controller) initialized it first: theirs stands.
    } catch (Exception e) {
      throw TandemException.unavailable("could not initialize the identity record: " + e, e);
    }
    return require();
  }

  /**
   * Replaces the record if it is still at {@code expectedVersion} and, when given, the fencing
   * node still exists.
   *
   * @throws TandemException CONFLICT if the record changed meanwhile or the fencing token is stale
   */
  public Versioned change(int expectedVersion, IdentityRecord next, String fencingPath) {
    try {
      CuratorOp set = zk.transactionOp().setData().withVersion(expectedVersion).forPath(layout.identity(), next.encode());
      if (fencingPath != null) {
        CuratorOp check = zk.transactionOp().check().forPath(fencingPath);
        zk.transaction().forOperations(check, set);
      } else {
        zk.transaction().forOperations(set);
      }
    } catch (KeeperException.BadVersionException e) {
      throw TandemException.conflict("the identity record changed while switching (stale epoch): re-read it with 'tandem identity show' and retry");
    } catch (KeeperException.NoNodeException e) {
      throw TandemException.conflict("this controller is no longer the elected controller (fencing token "
          + fencingPath + " is gone): the active controller must make identity changes");
    } catch (Exception e) {
      throw TandemException.unavailable("could not change the identity record: " + e, e);
    }
    return require();
  }

  public void publishProtected(ProtectedSets sets) {
    try {
      try {
        zk.setData().forPath(layout.protectedSets(), sets.encode());
      } catch (KeeperException.NoNodeException e) {
        zk.create().creatingParentContainersIfNeeded().forPath(layout.protectedSets(), sets.encode());
      }
    } catch (Exception e) {
      throw TandemException.unavailable("could not publish the protected data sets: " + e, e);
    }
  }
}
