package io.tandem.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.tools.DistCp;
import org.apache.hadoop.tools.DistCpOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerFixture;
import io.tandem.controller.ship.CopyJobs;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.policy.PolicySpec;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * Shipping throughput: a push and a pull backup of a service holding {@code tandem.bench.mb}
 * (default 200) MB of HDFS data, next to a plain DistCp of the same bytes between the same two
 * clusters with the same job settings (the baseline, measured in the same run), and an
 * incremental second cut after one file changed. Not part of the suite (the class name does not
 * match surefire's patterns); {@code bench/run} runs it and writes docs/benchmarks.md.
 */
@ExtendWith(TwoClusters.class)
class ShippingBench {

  @Test
  void shippingThroughput(EmbeddedClusters clusters) throws Exception {
    int mb = Integer.getInteger("tandem.bench.mb", 200);
    int files = 8;
    int fileBytes = mb * 1024 * 1024 / files;
    FileSystem pfs = clusters.primary().getTestFileSystem();
    for (String dir : List.of("/bench/push", "/bench/pull")) {
      for (int i = 0; i < files; i++) {
        write(pfs, dir + "/part-" + i, fileBytes, i);
      }
    }
    try (ControllerContext ctx = ControllerFixture.open(clusters, "/bench-ship")) {
      ctx.conf().set(TandemKeys.TRANSFER_MAPPERS, "4").set(TandemKeys.TRANSFER_BANDWIDTH_MB, "1000");

      // Baseline: plain DistCp, same bytes, same clusters, same job settings, no Tandem.
      Configuration jobConf = CopyJobs.jobConf(ctx.primary().conf(), ctx.conf());
      long b0 = System.nanoTime();
      DistCpOptions opts = new DistCpOptions.Builder(
          List.of(pfs.makeQualified(new org.apache.hadoop.fs.Path("/bench/push"))),
          ctx.secondary().fs().makeQualified(new org.apache.hadoop.fs.Path("/bench-baseline/push")))
          .maxMaps(4).withMapBandwidth(1000).build();
      if (!new DistCp(jobConf, opts).execute().isSuccessful()) {
        throw new AssertionError("baseline DistCp failed");
      }
      double baselineS = (System.nanoTime() - b0) / 1e9;

      ctx.policies().create(new PolicySpec("benchpush", List.of("hdfs:/bench/push"), List.of("every:1d"), "push",
          2, null, null, null, null));
      ctx.policies().create(new PolicySpec("benchpull", List.of("hdfs:/bench/pull"), List.of("every:1d"), "pull",
          2, null, null, null, null));
      Run push = run(ctx, "benchpush");
      Run pull = run(ctx, "benchpull");
      write(pfs, "/bench/push/part-0", fileBytes, 99);
      Run incr = run(ctx, "benchpush");

      double baselineMbS = mb / baselineS;
      StringBuilder md = new StringBuilder();
      md.append("## Shipping throughput\n\n");
      md.append(String.format(Locale.ROOT, "Measured %s on the embedded clusters (one JVM, 2 cores, loopback; "
          + "local job runner, 4 maps). Each service holds %d MB in %d files. The baseline is a plain DistCp of "
          + "the same %d MB between the same clusters in the same run; a Tandem cut adds the snapshot, the "
          + "catalog writes and the verification (checksums of every file on both clusters).%n%n", Instant.now(),
          mb, files, mb));
      md.append("| run | bytes in cut | bytes copied | copy s | MB/s copied | whole cut s | vs baseline (whole cut) |\n");
      md.append("|---|---:|---:|---:|---:|---:|---:|\n");
      md.append(String.format(Locale.ROOT, "| baseline: plain DistCp | %d | %d | %.1f | %.1f | %.1f | 1.00 |%n",
          (long) mb * 1024 * 1024, (long) mb * 1024 * 1024, baselineS, baselineMbS, baselineS));
      for (Run r : List.of(push, pull, incr)) {
        md.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %.1f | %.1f | %.2f |%n", r.label, r.m.bytesInCut(),
            r.m.bytesCopied(), r.m.copySeconds(), r.m.copySeconds() > 0 ? r.m.bytesCopied() / 1048576.0 / r.m.copySeconds() : 0,
            r.wallS, r.wallS / baselineS));
      }
      md.append("\nThe incremental cut ships the snapshot diff (DistCp -diff): one changed file of ").append(files)
          .append(".\n");
      System.out.println(md);
      String out = System.getProperty("tandem.bench.out");
      if (out != null) {
        Files.writeString(Path.of(out), md.toString());
      }
    }
  }

  private record Run(String label, Manifest m, double wallS) {
  }

  private static Run run(ControllerContext ctx, String service) {
    long t0 = System.nanoTime();
    Manifest m = ctx.backups().run(service, Instant.now(), p -> { });
    double s = (System.nanoTime() - t0) / 1e9;
    if (m.state() != CutState.COMPLETE) {
      throw new AssertionError(service + " cut failed: " + m.reason());
    }
    String label = service.equals("benchpull") ? "Tandem pull (full)"
        : m.previousCutId() == null ? "Tandem push (full)" : "Tandem push (incremental)";
    return new Run(label, m, s);
  }

  private static void write(FileSystem fs, String path, int bytes, int seed) throws Exception {
    byte[] buf = new byte[1 << 20];
    new java.util.Random(seed).nextBytes(buf);
    try (FSDataOutputStream out = fs.create(new org.apache.hadoop.fs.Path(path), true)) {
      for (int left = bytes; left > 0; left -= buf.length) {
        out.write(buf, 0, Math.min(left, buf.length));
      }
    }
  }

}
