package io.tandem.controller.cut;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.retry.RetryOneTime;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.util.Bytes;

import io.tandem.controller.cluster.ClusterConnection;

/** Shared by the cut tests: names, tables, waiting on conditions. */
final class CutTestSupport {
  static final byte[] F = Bytes.toBytes("f");

  private CutTestSupport() {
  }

  static ClusterConnection connect(String name, HBaseTestingUtility util) {
    return new ClusterConnection(name, new Configuration(util.getConfiguration()));
  }

  /** A table with one family, split at the given keys so its regions spread over both RegionServers. */
  static TableName createTable(HBaseTestingUtility util, String name, String... splits) throws IOException {
    TableName t = TableName.valueOf(name);
    try (Admin admin = util.getConnection().getAdmin()) {
      if (admin.tableExists(t)) {
        admin.disableTable(t);
        admin.deleteTable(t);
      }
      byte[][] keys = new byte[splits.length][];
      for (int i = 0; i < splits.length; i++) {
        keys[i] = Bytes.toBytes(splits[i]);
      }
      admin.createTable(TableDescriptorBuilder.newBuilder(t)
          .setColumnFamily(ColumnFamilyDescriptorBuilder.of(F)).build(), keys);
    }
    util.waitUntilAllRegionsAssigned(t);
    return t;
  }

  static CutPlan plan(String cutId, List<String> tables, List<String> dirs) {
    Map<String, String> ts = new LinkedHashMap<>();
    for (String t : tables) {
      ts.put(t, cutId + "-" + t.replace(':', '_'));
    }
    Map<String, String> ds = new LinkedHashMap<>();
    for (String d : dirs) {
      ds.put(d, cutId);
    }
    return new CutPlan(cutId, "test", Instant.now(), 1, ts, ds);
  }

  static CuratorFramework zk(ClusterConnection c) throws InterruptedException {
    CuratorFramework zk = io.tandem.controller.ControllerFixture.primaryZkClient(c.zkConnectString(), 60_000, 15_000,
        new RetryOneTime(100));
    zk.start();
    zk.blockUntilConnected(15, TimeUnit.SECONDS);
    return zk;
  }

  /** Waits for a condition, polling; fails with {@code what} when the timeout passes. */
  static void await(String what, Duration timeout, BooleanSupplier condition) {
    io.tandem.controller.ControllerFixture.await(what, timeout, condition);
  }

  interface IoSupplier<T> {
    T get() throws Exception;
  }

  static boolean quietly(IoSupplier<Boolean> s) {
    try {
      return s.get();
    } catch (Exception e) {
      return false;
    }
  }
}
