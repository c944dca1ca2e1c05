package io.tandem.controller.ship;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

import io.tandem.controller.TandemConf;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.policy.TransferMode;

/**
 * ExportSnapshot throttles each map task on its own, as DistCp does, so it gets the per-map
 * bandwidth of tandem-site, not that times the mappers.
 */
class HBaseShipperArgsTest {
  private static final String PRIMARY_ROOT = "hdfs://primary:8020/hbase";
  private static final String SECONDARY_ROOT = "hdfs://secondary:8020/hbase";

  private static TandemConf conf(int mappers, int bandwidthMb) {
    Configuration c = new Configuration(false);
    c.setInt(TandemKeys.TRANSFER_MAPPERS.name(), mappers);
    c.setInt(TandemKeys.TRANSFER_BANDWIDTH_MB.name(), bandwidthMb);
    return new TandemConf(c);
  }

  /** The value following {@code option}, failing when the option is absent or last. */
  private static String valueOf(List<String> args, String option) {
    int i = args.indexOf(option);
    if (i < 0 || i == args.size() - 1) {
      throw new AssertionError(option + " has no value in " + args);
    }
    return args.get(i + 1);
  }

  @Test
  void pushPassesThePerMapBandwidthAndCopiesToTheSecondary() {
    List<String> args = HBaseShipper.exportArgs("snap-1", TransferMode.PUSH, PRIMARY_ROOT, SECONDARY_ROOT,
        conf(4, 25));
    assertEquals("25", valueOf(args, "-bandwidth"), args.toString());
    assertEquals("4", valueOf(args, "-mappers"), args.toString());
    assertEquals("snap-1", valueOf(args, "-snapshot"), args.toString());
    assertEquals(SECONDARY_ROOT, valueOf(args, "-copy-to"), args.toString());
    assertFalse(args.contains("-copy-from"), args.toString());
  }

  @Test
  void pullReadsFromThePrimaryWithTheSameLimits() {
    List<String> args = HBaseShipper.exportArgs("snap-2", TransferMode.PULL, PRIMARY_ROOT, SECONDARY_ROOT,
        conf(3, 40));
    assertEquals(PRIMARY_ROOT, valueOf(args, "-copy-from"), args.toString());
    assertEquals(SECONDARY_ROOT, valueOf(args, "-copy-to"), args.toString());
    assertEquals("40", valueOf(args, "-bandwidth"), args.toString());
    assertEquals("3", valueOf(args, "-mappers"), args.toString());
  }

  @Test
  void defaultsComeFromTandemKeys() {
    List<String> args = HBaseShipper.exportArgs("snap-3", TransferMode.PUSH, PRIMARY_ROOT, SECONDARY_ROOT,
        new TandemConf(new Configuration(false)));
    assertEquals(TandemKeys.TRANSFER_BANDWIDTH_MB.defaultValue(), valueOf(args, "-bandwidth"), args.toString());
    assertEquals(TandemKeys.TRANSFER_MAPPERS.defaultValue(), valueOf(args, "-mappers"), args.toString());
  }
}
