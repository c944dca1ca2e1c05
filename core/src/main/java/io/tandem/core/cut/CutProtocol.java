package io.tandem.core.cut;

import java.util.Collection;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a consistent cut lives in the primary's ZooKeeper, and what moves it from phase to phase.
 *
 * <pre>
 * {root}/{cutId}                    CutSpec     written by the controller: the cut is ARMING
 * {root}/{cutId}/armed/{server}     ArmAck      a RegionServer fenced, drained and flushed its regions
 * {root}/{cutId}/hdfs-request       (empty)     the controller asks the NameNode plugin to snapshot
 * {root}/{cutId}/hdfs               HdfsAck     the NameNode plugin took (or failed) the dir snapshots
 * {root}/{cutId}/released           (empty)     writes may resume; flushes of fenced regions stay held
 * {root}/{cutId}/done               outcome     the cut is over (committed or failed): drop everything
 * {root}/{cutId}/aborted/{who}      CutAbort    a participant gave up (lease expired, region reopened...)
 * </pre>
 *
 * <p>Only the controller creates {@code {root}/{cutId}}, {@code hdfs-request}, {@code released}
 * and {@code done}. Participants only create nodes below an existing cut node, so a cut the
 * controller has deleted is never recreated by a late participant.
 */
public final class CutProtocol {
  /** Default parent of all cut nodes in the primary's ZooKeeper. */
  public static final String DEFAULT_ROOT = "/tandem/cuts";

  public static final String ARMED = "armed";
  public static final String HDFS_REQUEST = "hdfs-request";
  public static final String HDFS = "hdfs";
  public static final String RELEASED = "released";
  public static final String DONE = "done";
  public static final String ABORTED = "aborted";

  /** Outcomes written into {@code done}. */
  public static final String OUTCOME_COMMITTED = "committed";
  public static final String OUTCOME_FAILED = "failed";

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,199}");

  private final String root;

  /** @param root absolute znode path, e.g. {@link #DEFAULT_ROOT}; a trailing slash is dropped */
  public CutProtocol(String root) {
    Objects.requireNonNull(root, "root");
    String r = root.endsWith("/") && root.length() > 1 ? root.substring(0, root.length() - 1) : root;
    if (!r.startsWith("/") || r.length() < 2) {
      throw new IllegalArgumentException("cut root must be an absolute znode path like /tandem/cuts, got '" + root + "'");
    }
    this.root = r;
  }

  public String root() {
    return root;
  }

  public String cutPath(String cutId) {
    return root + "/" + checkId(cutId, "cutId");
  }

  public String armedDir(String cutId) {
    return cutPath(cutId) + "/" + ARMED;
  }

  public String armedPath(String cutId, String server) {
    return armedDir(cutId) + "/" + nodeName(server);
  }

  public String abortedDir(String cutId) {
    return cutPath(cutId) + "/" + ABORTED;
  }

  public String abortedPath(String cutId, String participant) {
    return abortedDir(cutId) + "/" + nodeName(participant);
  }

  public String child(String cutId, String name) {
    return cutPath(cutId) + "/" + name;
  }

  /** Payload of {@code done}: the outcome and, for a failed cut, why. */
  public static byte[] encodeDone(String outcome, String reason) {
    return Payload.create().put("outcome", outcome).put("reason", reason).bytes();
  }

  /** @return the outcome written into {@code done} ({@link #OUTCOME_COMMITTED} or {@link #OUTCOME_FAILED}) */
  public static String decodeDoneOutcome(byte[] data) {
    return Payload.parse(data, "cut done").get("outcome");
  }

  /** The phase a cut is in, read from the names of its children. */
  public static Phase phaseOf(Collection<String> children) {
    if (children.contains(DONE)) {
      return Phase.DONE;
    }
    if (children.contains(RELEASED)) {
      return Phase.RELEASED;
    }
    return Phase.ARMING;
  }

  /**
   * A cut's lifecycle as participants see it. ARMING: fence writes, drain, flush, ack. RELEASED:
   * writes flow again but flushes (and bulk loads) of fenced regions stay held so their files keep
   * showing the cut until the table snapshots exist. DONE: nothing is held.
   */
  public enum Phase { ARMING, RELEASED, DONE }

  /**
   * @return {@code id} if it is usable as a znode name and as part of a snapshot name
   * @throws IllegalArgumentException naming {@code what} otherwise
   */
  public static String checkId(String id, String what) {
    if (id == null || !ID.matcher(id).matches()) {
      throw new IllegalArgumentException(what + " must be 1-200 characters of letters, digits, '_', '.' or '-'"
          + " starting with a letter or digit, got '" + id + "'");
    }
    return id;
  }

  /**
   * Turns a participant name (a RegionServer's {@code host,port,startcode}, "namenode") into a
   * znode name: anything outside {@code [A-Za-z0-9_.,-]} becomes '_'.
   */
  public static String nodeName(String participant) {
    Objects.requireNonNull(participant, "participant");
    if (participant.isEmpty()) {
      throw new IllegalArgumentException("participant name is empty");
    }
    StringBuilder sb = new StringBuilder(participant.length());
    for (char c : participant.toCharArray()) {
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '.' || c == ',' || c == '-';
      sb.append(ok ? c : '_');
    }
    return sb.toString();
  }
}
