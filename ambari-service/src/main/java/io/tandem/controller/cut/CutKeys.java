package io.tandem.controller.cut;

import java.util.List;

import io.tandem.core.config.ConfigKey;
import io.tandem.core.config.TandemKeys;

/**
 * Keys of the fenced cut that {@link TandemKeys} does not define yet (lease and clock skew are
 * {@link TandemKeys#FENCE_LEASE_MS} and {@link TandemKeys#MAX_SKEW_MS}). Meant to move into
 * {@link TandemKeys#ALL} so they appear in tandem-default.xml.
 */
public final class CutKeys {
  public static final ConfigKey ARM_TIMEOUT_MS = new ConfigKey("tandem.cut.arm.timeout.ms", "10000",
      "How long the controller waits for every RegionServer hosting a fenced region to arm and ack; then the cut fails.");
  public static final ConfigKey HDFS_TIMEOUT_MS = new ConfigKey("tandem.cut.hdfs.timeout.ms", "10000",
      "How long the controller waits for the NameNode plugin to snapshot the cut's directories; then the cut fails.");
  public static final ConfigKey ZK_ROOT = new ConfigKey("tandem.cut.zk.root", "/tandem/cuts",
      "Znode in the primary's ZooKeeper under which cuts are published; the coprocessor and NameNode plugin must use the same.");
  public static final ConfigKey CLOCK_PROBE_DIR = new ConfigKey("tandem.clock.probe.dir", "/tmp",
      "HDFS directory (writable by the controller's user) where the clock probe creates and removes one empty directory.");

  public static final List<ConfigKey> ALL = List.of(ARM_TIMEOUT_MS, HDFS_TIMEOUT_MS, ZK_ROOT, CLOCK_PROBE_DIR);

  private CutKeys() {
  }
}
