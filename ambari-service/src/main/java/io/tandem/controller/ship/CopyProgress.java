package io.tandem.controller.ship;

/**
 * How far one copy is: bytes and files done of the total, the rate so far and the time left at
 * that rate. Totals may be unknown (-1) until the job has planned its work.
 */
public record CopyProgress(String what, long bytesDone, long bytesTotal, long filesDone, long filesTotal,
    double rateBytesPerSec, long etaSeconds) {

  public static CopyProgress of(String what, long bytesDone, long bytesTotal, long filesDone,
      long filesTotal, long elapsedMillis) {
    double rate = elapsedMillis > 0 ? bytesDone * 1000.0 / elapsedMillis : 0;
    long eta = rate > 0 && bytesTotal >= bytesDone ? Math.round((bytesTotal - bytesDone) / rate) : -1;
    return new CopyProgress(what, bytesDone, bytesTotal, filesDone, filesTotal, rate, eta);
  }

  /** One line for logs and the CLI, e.g. {@code orders: 120.0 MB / 200.0 MB, 3/5 files, 40.0 MB/s, ETA 2s}. */
  public String line() {
    return what + ": " + mb(bytesDone) + " / " + (bytesTotal < 0 ? "?" : mb(bytesTotal)) + ", "
        + filesDone + "/" + (filesTotal < 0 ? "?" : String.valueOf(filesTotal)) + " files, "
        + mb((long) rateBytesPerSec) + "/s, ETA " + (etaSeconds < 0 ? "?" : etaSeconds + "s");
  }

  private static String mb(long bytes) {
    return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1_048_576.0);
  }
}
