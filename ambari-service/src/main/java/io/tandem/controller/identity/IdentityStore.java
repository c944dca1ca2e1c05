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
public final class IdentityStore {
  private final CuratorFramework zk;
  private final IdentityLayout layout;

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
