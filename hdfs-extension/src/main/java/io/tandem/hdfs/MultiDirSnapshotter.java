package io.tandem.hdfs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.apache.hadoop.hdfs.DFSConfigKeys;
import org.apache.hadoop.hdfs.server.namenode.FSNamesystem;
import org.apache.hadoop.hdfs.server.namenode.NameNode;
import org.apache.hadoop.hdfs.server.protocol.NamenodeProtocols;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.core.cut.HdfsAck;

/**
 * Snapshots several directories at one instant: all of them under one hold of the namesystem
 * write lock. Each snapshot goes through the NameNode's own {@code createSnapshot} (the same code
 * path, checks, edit log record and audit entry as a client's), which takes that lock again;
 * the lock is reentrant, so no other namespace operation can run between the first and the last
 * snapshot.
 *
 * <p>Invariant: either every directory gets its snapshot or none keeps one (those made before a
 * failure are deleted, still under the lock).
 *
 * <p>Files open for write: the NameNode must capture them at their length at the snapshot
 * ({@code dfs.namenode.snapshot.capture.openfiles=true}, HDFS-11402). Without it a snapshot keeps a
 * reference to the live file, so its view of an open file grows with every byte written after the
 * cut's instant, bytes whose HBase causes the cut does not hold. This class therefore refuses to
 * snapshot (a failed ack naming the key) on a NameNode where the key is false. With it, an open
 * file is held at what the NameNode knows at that instant: its complete blocks, and of the block
 * being written the length last reported ({@code hsync} with {@code UPDATE_LENGTH}), not bytes
 * only {@code hflush}ed since. A writer that needs its bytes in the cut must close the file or
 * hsync with UPDATE_LENGTH before its write counts as acknowledged.
 */
public final class MultiDirSnapshotter {
  private static final Logger LOG = LoggerFactory.getLogger(MultiDirSnapshotter.class);
  private final NameNode nameNode;

  public MultiDirSnapshotter(NameNode nameNode) {
    this.nameNode = java.util.Objects.requireNonNull(nameNode, "nameNode");
  }

  /**
   * Blocks while it holds the namesystem write lock (every other namespace operation of the
   * NameNode waits meanwhile; a snapshot is O(1) per directory, so this is milliseconds).
   *
   * @param dirSnapshots absolute directory to snapshot name; the directories must be snapshottable
   * @return success with each directory's snapshot path, or failure with the reason
   */
  public HdfsAck snapshotAll(Map<String, String> dirSnapshots) {
    String refused = openFilesProblem(nameNode.getConf());
    if (refused != null) {
      LOG.error("Tandem: refusing the cut's snapshots of {}: {}", new TreeMap<>(dirSnapshots).keySet(), refused);
      return HdfsAck.failure(refused, 0);
    }
    FSNamesystem fsn = nameNode.getNamesystem();
    NamenodeProtocols rpc = nameNode.getRpcServer();
    Map<String, String> paths = new LinkedHashMap<>();
    List<String> made = new ArrayList<>();
    Map<String, String> sorted = new TreeMap<>(dirSnapshots);
    fsn.writeLock();
    long t0 = System.nanoTime();
    try {
      for (Map.Entry<String, String> e : sorted.entrySet()) {
        paths.put(e.getKey(), rpc.createSnapshot(e.getKey(), e.getValue()));
        made.add(e.getKey());
      }
    } catch (IOException | RuntimeException e) {
      for (String dir : made) {
        try {
          rpc.deleteSnapshot(dir, sorted.get(dir));
        } catch (IOException | RuntimeException undo) {
          LOG.error("Tandem: could not delete snapshot {} of {} after a failed multi-dir snapshot", sorted.get(dir),
              dir, undo);
        }
      }
      long held = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      fsn.writeUnlock("tandemMultiDirSnapshot");
      return HdfsAck.failure("snapshot of " + sorted.keySet() + " failed: " + e.getMessage(), held);
    }
    long heldNanos = System.nanoTime() - t0;
    fsn.writeUnlock("tandemMultiDirSnapshot");
    LOG.info("Tandem: snapshotted {} directories at one instant; namesystem write lock held {} us",
        paths.size(), TimeUnit.NANOSECONDS.toMicros(heldNanos));
    return HdfsAck.success(paths, TimeUnit.NANOSECONDS.toMillis(heldNanos));
  }

  /**
   * Why this NameNode cannot take a cut's snapshots, or null when it can: the one-line reason a
   * refused cut carries. The key is read from the NameNode's own configuration, the one its
   * SnapshotManager read at start (it has no getter).
   */
  static String openFilesProblem(org.apache.hadoop.conf.Configuration conf) {
    if (conf.getBoolean(CAPTURE_OPEN_FILES, CAPTURE_OPEN_FILES_DEFAULT)) {
      return null;
    }
    return CAPTURE_OPEN_FILES + " is false on this NameNode: its snapshots would show files open for write growing"
        + " past the cut's instant; set it to true in hdfs-site.xml and restart the NameNode";
  }

  /** HDFS-11402's key; Tandem's cuts need it true. */
  public static final String CAPTURE_OPEN_FILES = DFSConfigKeys.DFS_NAMENODE_SNAPSHOT_CAPTURE_OPENFILES;
  static final boolean CAPTURE_OPEN_FILES_DEFAULT = DFSConfigKeys.DFS_NAMENODE_SNAPSHOT_CAPTURE_OPENFILES_DEFAULT;
}
