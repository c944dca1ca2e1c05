package io.tandem.core.identity;

/**
 * Where identity lives in the controller's ZooKeeper, under the controller's root
 * ({@code tandem.controller.zk.root}, default {@code /tandem}):
 * <ul>
 *   <li>{@code identity}: the {@link IdentityRecord};</li>
 *   <li>{@code members/<cluster>/<member>}: an ephemeral node per guard (each RegionServer, each
 *       NameNode) holding the epoch it has applied, so the controller knows when every guard of a
 *       demoted cluster has turned on, or has lost its session;</li>
 *   <li>{@code protected}: the {@link ProtectedSets} the guards protect (all policies' data sets).</li>
 * </ul>
 */
public record IdentityLayout(String root) {
  public IdentityLayout {
    if (root == null || !root.startsWith("/") || root.endsWith("/")) {
      throw new IllegalArgumentException("root must be an absolute znode path without trailing /, got " + root);
    }
  }

  public String identity() {
    return root + "/identity";
  }

  /** Where the guards' clusters' directories are; the controller makes it. */
  public String membersRoot() {
    return root + "/members";
  }

  public String members(String cluster) {
    return membersRoot() + "/" + cluster;
  }

  public String member(String cluster, String member) {
    return members(cluster) + "/" + member.replace('/', '_').replace(',', '_');
  }

  public String protectedSets() {
    return root + "/protected";
  }

  /** The controllers' leader latch: its node is the fencing token of identity changes. */
  public String controllerLatch() {
    return root + "/controller-leader";
  }

  /**
   * The guard name of a NameNode outside an HA nameservice, as its guard registers it and a switch
   * expects it: {@code namenode-<canonical host>:<port>} of its RPC address.
   */
  public static String nameNodeGuard(String host, int port) {
    return "namenode-" + canonicalHost(host) + ":" + port;
  }

  /** The canonical name of {@code host}; the local host's for none or the wildcard address. */
  public static String canonicalHost(String host) {
    try {
      java.net.InetAddress a = host == null || host.isEmpty() ? java.net.InetAddress.getLocalHost()
          : java.net.InetAddress.getByName(host);
      if (a.isAnyLocalAddress()) {
        a = java.net.InetAddress.getLocalHost();
      }
      return a.getCanonicalHostName();
    } catch (java.net.UnknownHostException e) {
      return host == null || host.isEmpty() ? "unknown-host" : host;
    }
  }
}
