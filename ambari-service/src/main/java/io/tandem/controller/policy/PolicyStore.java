package io.tandem.controller.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

import io.tandem.core.error.TandemException;
import io.tandem.core.json.Json;
import io.tandem.core.policy.PolicySpec;

/**
 * Policies in the controller's ZooKeeper, one znode per service under {@code <root>/policies},
 * holding the policy's JSON. Updates are compare-and-set on the znode version, so two admins
 * editing the same policy can't silently overwrite each other.
 */
public final class PolicyStore {
  private final CuratorFramework zk;
  private final String dir;

  public PolicyStore(CuratorFramework zk, String root) {
    this.zk = zk;
    this.dir = root + "/policies";
  }

  private String path(String service) {
    return dir + "/" + service;
  }

  /** @throws TandemException CONFLICT if the service already has a policy */
  public void create(PolicySpec spec) {
    try {
      zk.create().creatingParentContainersIfNeeded().forPath(path(spec.service()), Json.bytes(spec));
    } catch (KeeperException.NodeExistsException e) {
      throw TandemException.conflict("service " + spec.service() + " already has a policy: use 'tandem policy update' to change it");
    } catch (Exception e) {
      throw zkFailure("store the policy of " + spec.service(), e);
    }
  }

  /** @throws TandemException NOT_FOUND if there is none, CONFLICT if it changed meanwhile */
  public void update(PolicySpec spec, int expectedVersion) {
    try {
      zk.setData().withVersion(expectedVersion).forPath(path(spec.service()), Json.bytes(spec));
    } catch (KeeperException.NoNodeException e) {
      throw TandemException.notFound("service " + spec.service() + " has no policy: use 'tandem policy create'");
    } catch (KeeperException.BadVersionException e) {
      throw TandemException.conflict("the policy of " + spec.service() + " changed while it was being updated: retry");
    } catch (Exception e) {
      throw zkFailure("update the policy of " + spec.service(), e);
    }
  }

  /** The stored policy and its znode version. */
  public Optional<Versioned> get(String service) {
    try {
      Stat stat = new Stat();
      byte[] data = zk.getData().storingStatIn(stat).forPath(path(service));
      return Optional.of(new Versioned(Json.read(data, PolicySpec.class, "stored policy of " + service), stat.getVersion()));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    } catch (TandemException e) {
      throw e;
    } catch (Exception e) {
      throw zkFailure("read the policy of " + service, e);
    }
  }

  public List<PolicySpec> list() {
    try {
      if (zk.checkExists().forPath(dir) == null) {
        return List.of();
      }
      List<PolicySpec> out = new ArrayList<>();
      for (String child : zk.getChildren().forPath(dir).stream().sorted().toList()) {
        get(child).ifPresent(v -> out.add(v.spec()));
      }
      return out;
    } catch (Exception e) {
      throw zkFailure("list policies", e);
    }
  }

  /** @return false if there was nothing to delete */
  public boolean delete(String service) {
    try {
      zk.delete().forPath(path(service));
      return true;
    } catch (KeeperException.NoNodeException e) {
      return false;
    } catch (Exception e) {
      throw zkFailure("delete the policy of " + service, e);
    }
  }

  static TandemException zkFailure(String what, Exception e) {
    return TandemException.unavailable("could not " + what + " in the controller's ZooKeeper: " + e, e);
  }

  /** A stored policy and the znode version it was read at. */
  public record Versioned(PolicySpec spec, int version) {
  }
}
