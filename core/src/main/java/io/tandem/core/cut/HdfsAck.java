package io.tandem.core.cut;

import java.util.Map;
import java.util.Objects;

/**
 * The NameNode plugin's answer at {@code {root}/{cutId}/hdfs}.
 *
 * @param ok            true if every directory of the cut was snapshotted under one hold of the
 *                      namesystem write lock; false if none was (the plugin undoes partial work)
 * @param snapshotPaths directory to the path of its snapshot ({@code /dir/.snapshot/name})
 * @param lockHoldMs    how long the namesystem write lock was held for all of them
 * @param error         why it failed, for the admin; null if ok
 */
public record HdfsAck(boolean ok, Map<String, String> snapshotPaths, long lockHoldMs, String error) {
  public HdfsAck {
    snapshotPaths = Map.copyOf(Objects.requireNonNull(snapshotPaths, "snapshotPaths"));
    if (!ok && (error == null || error.isBlank())) {
      throw new IllegalArgumentException("a failed HDFS ack needs an error message");
    }
  }

  public static HdfsAck success(Map<String, String> snapshotPaths, long lockHoldMs) {
    return new HdfsAck(true, snapshotPaths, lockHoldMs, null);
  }

  public static HdfsAck failure(String error, long lockHoldMs) {
    return new HdfsAck(false, Map.of(), lockHoldMs, error);
  }

  public byte[] encode() {
    return Payload.create().put("ok", Boolean.toString(ok)).putMap("snapshot", snapshotPaths)
        .put("lockHoldMs", lockHoldMs).put("error", error).bytes();
  }

  public static HdfsAck decode(byte[] data) {
    Payload p = Payload.parse(data, "HDFS ack");
    return new HdfsAck(Boolean.parseBoolean(p.get("ok")), p.getMap("snapshot"), p.getLong("lockHoldMs", 0),
        p.get("error", null));
  }
}
