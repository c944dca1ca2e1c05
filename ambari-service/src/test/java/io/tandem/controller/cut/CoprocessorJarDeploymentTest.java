package io.tandem.controller.cut;

import static io.tandem.controller.cut.CutTestSupport.F;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.Coprocessor;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.CoprocessorDescriptorBuilder;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.coprocessor.RegionCoprocessor;
import org.apache.hadoop.hbase.regionserver.HRegion;
import org.apache.hadoop.hbase.util.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.controller.ControllerFixture;
import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.hbase.TandemRegionObserver;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * The built coprocessor jar works the way admins deploy it per table: copied to HDFS and attached
 * with a jar path, loaded by HBase's coprocessor class loader (not the test's class path).
 */
@ExtendWith(TwoClusters.class)
class CoprocessorJarDeploymentTest {

  /** The shaded jar on the test class path (from ~/.m2 or the sibling module's target), if any. */
  static Optional<File> shadedJar() throws IOException {
    File fromClasspath = new File(TandemRegionObserver.class.getProtectionDomain().getCodeSource().getLocation()
        .getPath());
    Stream<File> candidates = Stream.of(fromClasspath);
    java.nio.file.Path sibling = Paths.get(System.getProperty("user.dir")).resolveSibling("hbase-coprocessor")
        .resolve("target");
    if (Files.isDirectory(sibling)) {
      try (Stream<java.nio.file.Path> s = Files.list(sibling)) {
        candidates = Stream.concat(candidates, s.map(java.nio.file.Path::toFile).toList().stream());
      }
    }
    for (File f : candidates.toList()) {
      if (f.isFile() && f.getName().matches("tandem-hbase-coprocessor-.*\\.jar") && !f.getName().contains("original")) {
        try (ZipFile z = new ZipFile(f)) {
          if (z.getEntry("io/tandem/core/cut/CutSpec.class") != null
              && z.getEntry("io/tandem/hbase/TandemRegionObserver.class") != null) {
            return Optional.of(f);
          }
        }
      }
    }
    return Optional.empty();
  }

  @Test
  void jarAttachedFromHdfsFencesItsTable(EmbeddedClusters c) throws Exception {
    Optional<File> jar = shadedJar();
    assertTrue(jar.isPresent(), "tandem-hbase-coprocessor-*.jar not built (run mvn install on hbase-coprocessor)");
    try (ClusterConnection primary = CutTestSupport.connect("primary", c.primary())) {
      Path onHdfs = primary.fs().makeQualified(new Path("/tandem/lib/" + jar.get().getName()));
      primary.fs().copyFromLocalFile(false, true, new Path(jar.get().getAbsolutePath()), onHdfs);

      TableName t = TableName.valueOf("jar_fenced");
      try (Admin admin = primary.hbase().getAdmin()) {
        if (admin.tableExists(t)) {
          admin.disableTable(t);
          admin.deleteTable(t);
        }
        admin.createTable(TableDescriptorBuilder.newBuilder(t)
            .setColumnFamily(ColumnFamilyDescriptorBuilder.of(F))
            .setCoprocessor(CoprocessorDescriptorBuilder.newBuilder(TandemRegionObserver.class.getName())
                .setJarPath(onHdfs.toString()).setPriority(Coprocessor.PRIORITY_USER).build())
            .build(), new byte[][] {Bytes.toBytes("m")});
      }
      c.primary().waitUntilAllRegionsAssigned(t);

      for (HRegion r : c.primary().getHBaseCluster().getRegions(t)) {
        // Two instances: the site-configured one (test class path, inert here) and the table's own.
        List<Object> fromJar = r.getCoprocessorHost().findCoprocessors(RegionCoprocessor.class).stream()
            .filter(o -> o.getClass().getName().equals(TandemRegionObserver.class.getName()))
            .filter(o -> o.getClass().getClassLoader() != TandemRegionObserver.class.getClassLoader())
            .map(o -> (Object) o).toList();
        assertEquals(1, fromJar.size(), "one instance loaded by HBase's coprocessor class loader from " + onHdfs);
        // ...and it joined its own fence participant (its classes, its registry).
        Class<?> participant = fromJar.get(0).getClass().getClassLoader().loadClass("io.tandem.hbase.FenceParticipant");
        String server = c.primary().getMiniHBaseCluster().getServerHoldingRegion(t, r.getRegionInfo().getRegionName())
            .toString();
        Optional<?> p = (Optional<?>) participant.getMethod("forServer", String.class).invoke(null, server);
        assertTrue(p.isPresent(), "the jar's fence participant runs on " + server);
      }
      try (Table table = primary.hbase().getTable(t)) {
        table.put(new Put(Bytes.toBytes("a")).addColumn(F, F, Bytes.toBytes("1")));
      }
      // The site-configured instance stays inert on this table, so only the jar's participants can ack.
      CutPlan plan = CutTestSupport.plan("jar-cut", List.of(t.getNameAsString()), List.of());
      try (FencedCutTaker taker = new FencedCutTaker(primary, null, ControllerFixture.cutSettings())) {
        CutResult r = taker.take(plan);
        assertTrue(r.consistent(), r.toString());
        System.out.println("cut of a table whose fence was loaded from " + onHdfs + ": " + r);
      }
      try (Admin admin = primary.hbase().getAdmin()) {
        admin.deleteSnapshot(plan.tableSnapshots().values().iterator().next());
      }
    }
  }
}
