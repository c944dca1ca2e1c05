package io.tandem.controller.ship;

import java.io.IOException;
import java.util.function.ToLongFunction;

import org.apache.hadoop.mapreduce.Counters;
import org.apache.hadoop.mapreduce.Job;

/** Waits for a submitted MapReduce job, reporting progress from its counters about once a second. */
final class JobWatch {
  private static final long POLL_MS = 1000;

  private JobWatch() {
  }

  static void await(Job job, String what, ProgressListener progress, long bytesTotal, long filesTotal,
      ToLongFunction<Counters> bytes, ToLongFunction<Counters> files) throws IOException, InterruptedException {
    long t0 = System.currentTimeMillis();
    while (!job.isComplete()) {
      report(job, what, progress, bytesTotal, filesTotal, bytes, files, t0);
      // Polling a job is the MapReduce client's own idiom (Job.monitorAndPrintJob does the same).
      synchronized (job) {
        job.wait(POLL_MS);
      }
    }
    report(job, what, progress, bytesTotal, filesTotal, bytes, files, t0);
    if (!job.isSuccessful()) {
      throw new IOException("copy job " + job.getJobID() + " for " + what + " failed: " + job.getStatus().getFailureInfo());
    }
  }

  private static void report(Job job, String what, ProgressListener progress, long bytesTotal,
      long filesTotal, ToLongFunction<Counters> bytes, ToLongFunction<Counters> files, long t0) throws IOException {
    Counters c = job.getCounters();
    if (c != null) {
      progress.progress(CopyProgress.of(what, bytes.applyAsLong(c), bytesTotal, files.applyAsLong(c),
          filesTotal, System.currentTimeMillis() - t0));
    }
  }
}
