package io.tandem.controller.verify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

import org.apache.hadoop.fs.FileChecksum;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.hdfs.DistributedFileSystem;

/**
 * The content of an HDFS directory tree as (relative path → length, checksum), with a digest
 * over all of it. Checksums are HDFS's COMPOSITE_CRC file checksums, which do not depend on
 * block size, so a directory and its copy on another cluster fingerprint the same.
 */
public record DirFingerprint(Map<String, Entry> files, long bytes, String digest) {

  /** One file: its length and its composite CRC as hex. */
  public record Entry(long length, String checksum) {
  }

  public static DirFingerprint of(DistributedFileSystem fs, Path dir) throws IOException {
    TreeMap<String, Entry> files = new TreeMap<>();
    String base = fs.makeQualified(dir).toUri().getPath();
    long bytes = 0;
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
    while (it.hasNext()) {
      LocatedFileStatus st = it.next();
      String rel = st.getPath().toUri().getPath().substring(base.length());
      // An empty file has no checksum to compare: HDFS sums a file open at the cut, captured
      // empty with a block allocated, as one empty block, and its empty copy as no block at all.
      FileChecksum sum = st.getLen() == 0 ? null : fs.getFileChecksum(st.getPath());
      files.put(rel, new Entry(st.getLen(), sum == null ? "none" : HexFormat.of().formatHex(sum.getBytes())));
      bytes += st.getLen();
    }
    return new DirFingerprint(files, bytes, digest(files));
  }

  private static String digest(TreeMap<String, Entry> files) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (Map.Entry<String, Entry> e : files.entrySet()) {
        md.update((e.getKey() + "\t" + e.getValue().length() + "\t" + e.getValue().checksum() + "\n")
            .getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first difference from {@code other}, in words, or null if they hold the same content. */
  public String firstDifference(DirFingerprint other) {
    for (Map.Entry<String, Entry> e : files.entrySet()) {
      Entry o = other.files.get(e.getKey());
      if (o == null) {
        return "file " + e.getKey() + " is missing";
      }
      if (o.length() != e.getValue().length()) {
        return "file " + e.getKey() + " has " + o.length() + " bytes instead of " + e.getValue().length();
      }
      if (!o.checksum().equals(e.getValue().checksum())) {
        return "file " + e.getKey() + " has a different checksum";
      }
    }
    for (String k : other.files.keySet()) {
      if (!files.containsKey(k)) {
        return "file " + k + " should not be there";
      }
    }
    return null;
  }
}
