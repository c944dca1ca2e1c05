package io.tandem.core.zk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;

import io.tandem.core.cut.CutProtocol;
import io.tandem.core.identity.IdentityLayout;

/**
 * Who may change Tandem's znodes, and the credentials this process presents to ZooKeeper.
 *
 * <p>Three settings, read the same way by the controller (tandem-site) and by the participants
 * (hbase-site of the RegionServers, hdfs-site of the NameNodes):
 * <ul>
 *   <li>{@value #CONTROLLER_IDS_KEY}: the ZooKeeper ids of the controller, e.g. {@code sasl:tandem}
 *       or {@code digest:tandem:<base64 sha1>}. Empty (the default) leaves every znode open, as
 *       ZooKeeper's own default does.</li>
 *   <li>{@value #PARTICIPANT_IDS_KEY}: the ids of the RegionServers and NameNodes, e.g.
 *       {@code sasl:hbase,sasl:hdfs}.</li>
 *   <li>{@value #AUTH_KEY}: credentials added to this process's sessions, e.g.
 *       {@code digest:tandem:secret}; {@code @/path} reads them from a file (as Hadoop's
 *       {@code ha.zookeeper.auth} does). Empty with SASL: the JAAS {@code Client} section logs in.</li>
 * </ul>
 *
 * <p>Every node is readable by anyone (applications read the identity record to find the
 * primary). Beyond that each node is of one {@link Kind}, decided by its path alone, so that the
 * controller and the participants, and the controller's re-check of old nodes, agree.
 */
public final class ZkAcl {
  public static final String CONTROLLER_IDS_KEY = "tandem.zk.acl.controller";
  public static final String PARTICIPANT_IDS_KEY = "tandem.zk.acl.participants";
  public static final String AUTH_KEY = "tandem.zk.auth";

  private static final Set<String> SCHEMES = Set.of("sasl", "digest", "ip", "x509", "world", "auth", "super");
  private static final int PARTICIPANT_SHARED = ZooDefs.Perms.READ | ZooDefs.Perms.WRITE | ZooDefs.Perms.CREATE
      | ZooDefs.Perms.DELETE;

  /** The rights on a node beyond everyone's READ. */
  public enum Kind {
    /** Only the controller changes it: identity record, protected sets, cut specs, locks, ... */
    OWNED,
    /** The controller owns it; participants may add children (the cut node, members' parents). */
    JOINABLE,
    /** Participants write and remove here too: acks, guard member nodes, their directories. */
    SHARED
  }

  /** An open configuration: every node world-writable, no credentials. */
  public static final ZkAcl OPEN = new ZkAcl(List.of(), List.of(), List.of());

  private final List<Id> controller;
  private final List<Id> participants;
  private final List<String[]> auth;

  private ZkAcl(List<Id> controller, List<Id> participants, List<String[]> auth) {
    this.controller = controller;
    this.participants = participants;
    this.auth = auth;
  }

  /**
   * Reads the three settings through {@code conf} (null or blank for unset).
   *
   * @throws IllegalArgumentException naming the key and the bad entry
   */
  public static ZkAcl from(UnaryOperator<String> conf) {
    List<Id> controller = ids(CONTROLLER_IDS_KEY, conf.apply(CONTROLLER_IDS_KEY));
    List<Id> participants = ids(PARTICIPANT_IDS_KEY, conf.apply(PARTICIPANT_IDS_KEY));
    if (controller.isEmpty() && !participants.isEmpty()) {
      throw new IllegalArgumentException(PARTICIPANT_IDS_KEY + " is set but " + CONTROLLER_IDS_KEY
          + " is empty: set the controller's ids too, or clear both to leave Tandem's znodes open");
    }
    return new ZkAcl(controller, participants, auth(conf.apply(AUTH_KEY)));
  }

  private static List<Id> ids(String key, String value) {
    List<Id> out = new ArrayList<>();
    if (value == null) {
      return out;
    }
    for (String raw : value.split(",")) {
      String entry = raw.trim();
      if (entry.isEmpty()) {
        continue;
      }
      int colon = entry.indexOf(':');
      if (colon <= 0 || colon == entry.length() - 1) {
        throw new IllegalArgumentException(key + ": '" + entry + "' is not a ZooKeeper id; write scheme:id,"
            + " e.g. sasl:hbase or digest:tandem:<base64 sha1 of tandem:password>");
      }
      String scheme = entry.substring(0, colon);
      if (!SCHEMES.contains(scheme)) {
        throw new IllegalArgumentException(key + ": unknown ZooKeeper scheme '" + scheme + "' in '" + entry
            + "'; use one of " + new java.util.TreeSet<>(SCHEMES));
      }
      String id = entry.substring(colon + 1);
      if (scheme.equals("digest") && id.indexOf(':') <= 0) {
        throw new IllegalArgumentException(key + ": '" + entry + "' needs digest:user:<base64 sha1>; compute it"
            + " with org.apache.zookeeper.server.auth.DigestAuthenticationProvider user:password");
      }
      out.add(new Id(scheme, id));
    }
    return Collections.unmodifiableList(out);
  }

  private static List<String[]> auth(String value) {
    List<String[]> out = new ArrayList<>();
    if (value == null || value.isBlank()) {
      return out;
    }
    String text = value.trim();
    if (text.startsWith("@")) {
      try {
        text = Files.readString(Paths.get(text.substring(1).trim()), StandardCharsets.UTF_8).trim();
      } catch (IOException e) {
        throw new IllegalArgumentException(AUTH_KEY + ": cannot read " + text.substring(1).trim() + " (" + e
            + "); make it readable by this service's user only");
      }
    }
    for (String raw : text.split(",")) {
      String entry = raw.trim();
      if (entry.isEmpty()) {
        continue;
      }
      int colon = entry.indexOf(':');
      if (colon <= 0 || colon == entry.length() - 1) {
        throw new IllegalArgumentException(AUTH_KEY + ": an entry is not scheme:credentials, e.g. digest:user:password");
      }
      out.add(new String[] {entry.substring(0, colon), entry.substring(colon + 1)});
    }
    return Collections.unmodifiableList(out);
  }

  /** Whether nodes get ACLs at all ({@value #CONTROLLER_IDS_KEY} set). */
  public boolean enabled() {
    return !controller.isEmpty();
  }

  /** The ACL a node of {@code kind} is created with (or re-set to). */
  public List<ACL> acl(Kind kind) {
    if (!enabled()) {
      return ZooDefs.Ids.OPEN_ACL_UNSAFE;
    }
    List<ACL> acl = new ArrayList<>();
    for (Id id : controller) {
      acl.add(new ACL(ZooDefs.Perms.ALL, id));
    }
    int theirs = kind == Kind.OWNED ? ZooDefs.Perms.READ
        : kind == Kind.JOINABLE ? ZooDefs.Perms.READ | ZooDefs.Perms.CREATE : PARTICIPANT_SHARED;
    for (Id id : participants) {
      if (!controller.contains(id)) {
        acl.add(new ACL(theirs, id));
      }
    }
    acl.add(new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE));
    return Collections.unmodifiableList(acl);
  }

  /** The credentials to add to a session, as (scheme, bytes) pairs. */
  public List<String[]> auth() {
    return auth;
  }

  /** Adds this process's credentials to {@code zk}; call right after opening the session. */
  public void authenticate(ZooKeeper zk) {
    for (String[] a : auth) {
      zk.addAuthInfo(a[0], a[1].getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Describes the ids, for log lines (no credentials). */
  public String describe() {
    return enabled() ? "controller " + controller + ", participants " + participants : "open (no ACLs)";
  }

  /**
   * The kind of a node of the controller's ZooKeeper under {@code layout}: guards add their
   * clusters' directories to {@code members} (which the controller makes) and their member nodes
   * to those; the rest is the controller's.
   */
  public static Kind identityKind(IdentityLayout layout, String path) {
    String members = layout.membersRoot();
    if (path.startsWith(members + "/")) {
      return Kind.SHARED;
    }
    return path.equals(members) ? Kind.JOINABLE : Kind.OWNED;
  }

  /**
   * The kind of a node of a primary cluster's ZooKeeper under the cut root of {@code protocol}:
   * participants add their ack directories to a cut's node and acks to them; the cut's spec and
   * the controller's signals (hdfs-request, released, done) are the controller's.
   */
  public static Kind cutKind(CutProtocol protocol, String path) {
    String root = protocol.root();
    if (!path.startsWith(root + "/")) {
      return Kind.OWNED;
    }
    String[] parts = path.substring(root.length() + 1).split("/");
    if (parts.length == 1) {
      return Kind.JOINABLE;
    }
    if (parts.length >= 3) {
      return Kind.SHARED;
    }
    String name = parts[1];
    return name.equals(CutProtocol.ARMED) || name.equals(CutProtocol.ABORTED) || name.equals(CutProtocol.HDFS)
        ? Kind.SHARED : Kind.OWNED;
  }
}
