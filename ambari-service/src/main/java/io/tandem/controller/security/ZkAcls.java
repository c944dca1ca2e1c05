package io.tandem.controller.security;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.function.Function;

import org.apache.curator.framework.AuthInfo;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.core.zk.ZkAcl;

/**
 * The controller's side of {@link ZkAcl}: its Curator clients present the configured credentials
 * and create every node with the ACL of its {@link ZkAcl.Kind}, and {@link #secure} brings nodes
 * made before (open, or under other settings) to the same ACLs.
 */
public final class ZkAcls {
  private static final Logger LOG = LoggerFactory.getLogger(ZkAcls.class);

  private ZkAcls() {
  }

  /** Sets the credentials and the per-path ACLs of {@code acl} on a client being built. */
  public static CuratorFrameworkFactory.Builder apply(CuratorFrameworkFactory.Builder builder, ZkAcl acl,
      Function<String, ZkAcl.Kind> kinds) {
    if (!acl.auth().isEmpty()) {
      List<AuthInfo> auth = new ArrayList<>();
      for (String[] a : acl.auth()) {
        auth.add(new AuthInfo(a[0], a[1].getBytes(StandardCharsets.UTF_8)));
      }
      builder.authorization(auth);
    }
    return builder.aclProvider(new ACLProvider() {
      @Override
      public List<ACL> getDefaultAcl() {
        return acl.acl(ZkAcl.Kind.OWNED);
      }

      @Override
      public List<ACL> getAclForPath(String path) {
        return acl.acl(kinds.apply(path));
      }
    });
  }

  /**
   * Gives every node of the subtree at {@code root} the ACL its kind calls for, where it differs.
   * Does nothing when ACLs are off (a node once protected stays so; see docs/security.md). A node
   * the controller may not change is logged (WARN, naming it and the fix) and left as it is.
   *
   * @return how many nodes were changed
   */
  public static int secure(CuratorFramework zk, String root, ZkAcl acl, Function<String, ZkAcl.Kind> kinds)
      throws Exception {
    if (!acl.enabled() || zk.checkExists().forPath(root) == null) {
      return 0;
    }
    int changed = 0;
    Deque<String> todo = new ArrayDeque<>();
    todo.add(root);
    while (!todo.isEmpty()) {
      String path = todo.poll();
      try {
        if (secureNode(zk, path, acl.acl(kinds.apply(path)))) {
          changed++;
        }
        for (String child : zk.getChildren().forPath(path)) {
          todo.add(path.equals("/") ? "/" + child : path + "/" + child);
        }
      } catch (KeeperException.NoNodeException gone) {
        // removed meanwhile (an ephemeral node, a finished cut)
      } catch (KeeperException.NoAuthException e) {
        LOG.warn("ZooKeeper node {} keeps its ACL: the controller's credentials ({}) may not change it. Fix: remove"
            + " the node, or set tandem.zk.auth to the credentials it was made with", path, ZkAcl.AUTH_KEY);
      }
    }
    if (changed > 0) {
      LOG.info("ZooKeeper ACLs: {} node(s) under {} set to {}", changed, root, acl.describe());
    }
    return changed;
  }

  /**
   * Secures {@code path} alone (not its children) when anyone may change it: the parent Tandem
   * made for its own nodes, e.g. {@code /tandem} over {@code /tandem/cuts}. A parent someone
   * else protected is not Tandem's to change.
   */
  public static boolean secureIfOpen(CuratorFramework zk, String path, ZkAcl acl, ZkAcl.Kind kind)
      throws Exception {
    if (!acl.enabled() || path.equals("/") || zk.checkExists().forPath(path) == null) {
      return false;
    }
    for (ACL a : zk.getACL().forPath(path)) {
      if (a.getId().equals(ZooDefs.Ids.ANYONE_ID_UNSAFE) && (a.getPerms() & ~ZooDefs.Perms.READ) != 0) {
        return secureNode(zk, path, acl.acl(kind));
      }
    }
    return false;
  }

  private static boolean secureNode(CuratorFramework zk, String path, List<ACL> want) throws Exception {
    List<ACL> have = zk.getACL().forPath(path);
    if (new HashSet<>(have).equals(new HashSet<>(want))) {
      return false;
    }
    zk.setACL().withACL(want).forPath(path);
    return true;
  }
}
