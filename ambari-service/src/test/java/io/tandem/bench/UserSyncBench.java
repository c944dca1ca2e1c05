package io.tandem.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.permission.AclEntry;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerFixture;
import io.tandem.controller.usersync.UserSyncService;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.policy.PolicySpec;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * What reading and reconciling a service's HDFS user data costs, against the bare recursive
 * listing of the same tree (the least any tool that looks at every path must do), measured in the
 * same run: {@code tandem.bench.userpaths} files (default 5000) in 20 directories, one in ten with
 * an ACL. Not part of the suite; {@code bench/run} runs it.
 */
@ExtendWith(TwoClusters.class)
class UserSyncBench {

  @Test
  void userDataReadAndReconcile(EmbeddedClusters clusters) throws Exception {
    int files = Integer.getInteger("tandem.bench.userpaths", 5000);
    int dirs = 20;
    FileSystem pfs = clusters.primary().getTestFileSystem();
    String root = "/bench/users";
    for (int d = 0; d < dirs; d++) {
      for (int f = 0; f < files / dirs; f++) {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(root + "/d" + d + "/f" + f);
        pfs.create(p, true).close();
        if (f % 10 == 0) {
          pfs.modifyAclEntries(p, AclEntry.parseAclSpec("user:u" + f + ":r--", true));
        }
      }
    }
    try (ControllerContext ctx = ControllerFixture.open(clusters, "/bench-users")) {
      ctx.policies().create(new PolicySpec("benchusers", List.of("hdfs:" + root), List.of("every:1d"), "push", 2,
          null, null, null, null));
      // Baseline: the bare recursive listing, three times, best kept.
      double walkS = Double.MAX_VALUE;
      long listed = 0;
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        listed = walk(pfs, root);
        walkS = Math.min(walkS, (System.nanoTime() - t0) / 1e9);
      }
      // Reading the primary's user data: a push dry run with nothing pushed before reads only the primary.
      double readS = Double.MAX_VALUE;
      int diffs = 0;
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        diffs = ctx.users().sync("benchusers", UserSyncService.Mode.PUSH, true, false).differences().size();
        readS = Math.min(readS, (System.nanoTime() - t0) / 1e9);
      }
      Manifest m = ctx.backups().run("benchusers", Instant.now(), null);
      if (m.state() != CutState.COMPLETE) {
        throw new AssertionError("cut failed: " + m.reason());
      }
      long r0 = System.nanoTime();
      ctx.restores().restore("benchusers", m.cutId(), false);
      double restoreS = (System.nanoTime() - r0) / 1e9;
      long c0 = System.nanoTime();
      int clean = ctx.users().sync("benchusers", UserSyncService.Mode.RECONCILE, false, false).differences().size();
      double reconcileCleanS = (System.nanoTime() - c0) / 1e9;
      for (int f = 0; f < 100; f++) {
        pfs.setPermission(new org.apache.hadoop.fs.Path(root + "/d" + (f % dirs) + "/f" + f), new FsPermission((short) 0600));
      }
      long f0 = System.nanoTime();
      UserSyncService.Report fixed = ctx.users().sync("benchusers", UserSyncService.Mode.RECONCILE, false, false);
      double reconcileFixS = (System.nanoTime() - f0) / 1e9;

      StringBuilder md = new StringBuilder("## User data (HDFS attributes)\n\n");
      md.append(String.format(Locale.ROOT, "Measured %s: %d paths (%d files in %d directories, one file in ten with an "
          + "ACL). Baseline: a bare recursive listing of the same tree (best of 3), in the same run.%n%n",
          Instant.now(), listed, files, dirs));
      md.append("| operation | s | paths/s | vs baseline |\n|---|---|---|---|\n");
      row(md, "baseline: recursive listing of the primary", walkS, listed, walkS);
      row(md, "read the primary's user data (push dry run, " + diffs + " differences)", readS, listed, walkS);
      row(md, "reconcile, clusters equal (reads both; " + clean + " differences)", reconcileCleanS, 2 * listed, walkS);
      row(md, "reconcile, 100 permissions fixed (" + fixed.outcomes() + ")", reconcileFixS, 2 * listed, walkS);
      md.append(String.format(Locale.ROOT, "%nA restore of the cut, with its user data, took %.1f s. HBase grants are "
          + "a handful of admin calls per table and namespace and are not measured here.%n", restoreS));
      String out = System.getProperty("tandem.bench.out");
      if (out != null) {
        Files.writeString(Path.of(out), md.toString());
      }
      System.out.println(md);
    }
  }

  private static void row(StringBuilder md, String what, double s, long paths, double baselineS) {
    md.append(String.format(Locale.ROOT, "| %s | %.2f | %.0f | %.2fx |%n", what, s, paths / s, s / baselineS));
  }

  private static long walk(FileSystem fs, String root) throws Exception {
    long n = 1;
    Deque<org.apache.hadoop.fs.Path> todo = new ArrayDeque<>(List.of(new org.apache.hadoop.fs.Path(root)));
    while (!todo.isEmpty()) {
      RemoteIterator<FileStatus> it = fs.listStatusIterator(todo.poll());
      while (it.hasNext()) {
        FileStatus st = it.next();
        n++;
        if (st.isDirectory()) {
          todo.add(st.getPath());
        }
      }
    }
    return n;
  }
}
