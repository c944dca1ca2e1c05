package io.tandem.controller.identity;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.zookeeper.KeeperException;

import io.tandem.core.error.TandemException;
import io.tandem.core.json.Json;

/**
 * Where switches live in the controller's ZooKeeper, under {@code <root>/switch}:
 * <ul>
 *   <li>{@code current}: the switch in progress (a {@link SwitchState}), from its first step until
 *       it is promoted or reverted; a switch interrupted anywhere is found here;</li>
 *   <li>{@code last}: the last switch that ended, with its outcome;</li>
 *   <li>{@code demoted/<cluster>}: the epoch at which that cluster last stopped being primary, so a
 *       later failover to it knows whether its live data is newer than a cut;</li>
 *   <li>{@code lock}: one switch at a time, across processes (released when its holder dies).</li>
 * </ul>
 */
public final class SwitchStore {
  private final CuratorFramework zk;
  private final String dir;
  private final InterProcessMutex lock;

  public SwitchStore(CuratorFramework zk, String root) {
    this.zk = zk;
    this.dir = root + "/switch";
    this.lock = new InterProcessMutex(zk, dir + "/lock");
  }

  public Optional<SwitchState> current() {
    return read(dir + "/current");
  }

  public Optional<SwitchState> last() {
    return read(dir + "/last");
  }

  /** Writes the switch in progress. */
  public void save(SwitchState s) {
    write(dir + "/current", Json.bytes(s));
  }

  /** Ends the switch in progress: it becomes {@code last}. */
  public void finish(SwitchState s) {
    write(dir + "/last", Json.bytes(s));
    try {
      zk.delete().quietly().forPath(dir + "/current");
    } catch (Exception e) {
      throw TandemException.unavailable("could not clear the finished switch " + s.id() + ": " + e, e);
    }
  }

  /** Records that {@code cluster} stopped being primary at {@code epoch}. */
  public void demoted(String cluster, long epoch) {
    write(dir + "/demoted/" + cluster, Long.toString(epoch).getBytes(StandardCharsets.UTF_8));
  }

  /** Forgets a demotion (the cluster is primary again after a revert). */
  public void undemoted(String cluster) {
    try {
      zk.delete().quietly().forPath(dir + "/demoted/" + cluster);
    } catch (Exception e) {
      throw TandemException.unavailable("could not clear the demotion of " + cluster + ": " + e, e);
    }
  }

  /** The epoch at which {@code cluster} last stopped being primary, if it ever was demoted. */
  public Optional<Long> demotedAt(String cluster) {
    try {
      return Optional.of(Long.parseLong(new String(zk.getData().forPath(dir + "/demoted/" + cluster),
          StandardCharsets.UTF_8).trim()));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    } catch (Exception e) {
      throw TandemException.unavailable("could not read the demotion record of " + cluster + ": " + e, e);
    }
  }

  /**
   * Takes the one-switch-at-a-time lock, waiting at most {@code wait}; re-entrant per thread.
   *
   * @throws TandemException CONFLICT when another switch holds it
   */
  public void lock(Duration wait) {
    boolean got;
    try {
      got = lock.acquire(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw TandemException.unavailable("could not take the switch lock in the controller's ZooKeeper: " + e, e);
    }
    if (!got) {
      throw TandemException.conflict("another switch is running" + current().map(s -> " (" + s.id() + ", step "
          + s.step() + ", by " + s.by() + ")").orElse("") + ": wait for it, or follow it with 'tandem identity show'");
    }
  }

  public void unlock() {
    try {
      lock.release();
    } catch (Exception e) {
      // The lock goes with the session.
    }
  }

  private Optional<SwitchState> read(String path) {
    try {
      return Optional.of(Json.read(zk.getData().forPath(path), SwitchState.class, "switch record " + path));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    } catch (TandemException e) {
      throw e;
    } catch (Exception e) {
      throw TandemException.unavailable("could not read the switch record " + path + ": " + e, e);
    }
  }

  private void write(String path, byte[] data) {
    try {
      try {
        zk.setData().forPath(path, data);
      } catch (KeeperException.NoNodeException e) {
        zk.create().creatingParentContainersIfNeeded().forPath(path, data);
      }
    } catch (Exception e) {
      throw TandemException.unavailable("could not write the switch record " + path + ": " + e, e);
    }
  }
}
