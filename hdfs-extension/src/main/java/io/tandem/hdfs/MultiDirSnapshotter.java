package io.tandem.hdfs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

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
 * <p>What it does not cover: bytes a client is streaming into a file that is still open for write.
 * A snapshot holds what the NameNode knows at that instant: complete blocks, and for the block
 * being written only the length last reported ({@code hsync} with {@code UPDATE_LENGTH}) or none.
 * A writer that needs its bytes in the cut must close the file or hsync with UPDATE_LENGTH before
 * its write counts as acknowledged.
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
}
