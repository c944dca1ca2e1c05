package io.tandem.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TwoClusters.class)
class EmbeddedClustersTest {

  @Test
  void clustersAreDistinctAndServeHdfsAndHBase(EmbeddedClusters clusters) throws Exception {
    String p = EmbeddedClusters.fsUri(clusters.primary());
    String s = EmbeddedClusters.fsUri(clusters.secondary());
    assertNotEquals(p, s, "primary and secondary must have their own NameNodes");
    assertNotEquals(EmbeddedClusters.zkQuorum(clusters.primary()), EmbeddedClusters.zkQuorum(clusters.secondary()));

    FileSystem pfs = clusters.primary().getTestFileSystem();
    Path marker = new Path("/testkit/marker");
    pfs.mkdirs(marker);
    assertTrue(pfs.exists(marker));
    assertTrue(!clusters.secondary().getTestFileSystem().exists(marker), "a dir made on the primary must not appear on the secondary");

    TableName t = TableName.valueOf("testkit_probe");
    clusters.primary().createTable(t, "f");
    try (Admin admin = clusters.secondary().getConnection().getAdmin()) {
      assertTrue(!admin.tableExists(t));
    }
    assertEquals(TwoClusters.REGION_SERVERS, clusters.primary().getHBaseCluster().getLiveRegionServerThreads().size());
    System.out.println("embedded clusters started in " + clusters.startMillis() + " ms");
  }
}
