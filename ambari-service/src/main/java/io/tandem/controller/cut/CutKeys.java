package io.tandem.controller.cut;

import java.util.List;

import io.tandem.core.config.ConfigKey;
import io.tandem.core.config.TandemKeys;

/** The fenced cut's keys, as defined (once) in {@link TandemKeys}; short names for this package. */
public final class CutKeys {
  public static final ConfigKey ARM_TIMEOUT_MS = TandemKeys.CUT_ARM_TIMEOUT_MS;
  public static final ConfigKey HDFS_TIMEOUT_MS = TandemKeys.CUT_HDFS_TIMEOUT_MS;
  public static final ConfigKey ZK_ROOT = TandemKeys.CUT_ZK_ROOT;
  public static final ConfigKey CLOCK_PROBE_DIR = TandemKeys.CLOCK_PROBE_DIR;

  public static final List<ConfigKey> ALL = List.of(ARM_TIMEOUT_MS, HDFS_TIMEOUT_MS, ZK_ROOT, CLOCK_PROBE_DIR);

  private CutKeys() {
  }
}
