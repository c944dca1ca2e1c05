package io.tandem.core.catalog;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import io.tandem.core.usersync.UserData;

/**
 * The record of one restore point, kept in the catalog on the secondary. It says what the cut
 * holds (snapshot names, sizes, checksums, row counts), when and how it was taken (moment,
 * method, fence window, skew, epoch), how it travelled (mode, bytes copied vs bytes in the cut,
 * incremental or full and why), what user data it carries, and its {@link CutState}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Manifest(
    String cutId,
    String service,
    long epoch,
    Instant moment,
    Instant startedAt,
    Instant finishedAt,
    CutState state,
    String reason,
    String mode,
    String cutMethod,
    boolean consistent,
    long fenceWindowMs,
    Map<String, Long> ackLatencyMs,
    Long skewMs,
    String previousCutId,
    List<TableEntry> tables,
    List<DirEntry> dirs,
    long bytesInCut,
    long bytesCopied,
    long copySeconds,
    UserData.Summary users) {

  @JsonCreator
  public Manifest {
    ackLatencyMs = ackLatencyMs == null ? Map.of() : Map.copyOf(ackLatencyMs);
    tables = tables == null ? List.of() : List.copyOf(tables);
    dirs = dirs == null ? List.of() : List.copyOf(dirs);
  }

  /** A manifest without user data (cuts taken with user data capture off, and older cuts). */
  public Manifest(String cutId, String service, long epoch, Instant moment, Instant startedAt, Instant finishedAt,
      CutState state, String reason, String mode, String cutMethod, boolean consistent, long fenceWindowMs,
      Map<String, Long> ackLatencyMs, Long skewMs, String previousCutId, List<TableEntry> tables,
      List<DirEntry> dirs, long bytesInCut, long bytesCopied, long copySeconds) {
    this(cutId, service, epoch, moment, startedAt, finishedAt, state, reason, mode, cutMethod, consistent,
        fenceWindowMs, ackLatencyMs, skewMs, previousCutId, tables, dirs, bytesInCut, bytesCopied, copySeconds, null);
  }

  /** An HBase table in the cut. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record TableEntry(String table, String snapshot, long bytes, long bytesCopied,
      long files, long rows, String contentHash) {
  }

  /**
   * An HDFS directory in the cut, shipped to {@code replicaPath} on the secondary.
   *
   * @param checksumDigest digest over (relative path, length, block-size independent file checksum) of every file
   * @param incremental    true if shipped as a snapshot diff from the previous cut
   * @param fullSyncReason why a full copy was made when an incremental one was possible
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record DirEntry(String path, String snapshot, String replicaPath, long bytes,
      long bytesCopied, long files, String checksumDigest, boolean incremental,
      String fullSyncReason) {
  }

  public Manifest withState(CutState newState, String newReason, Instant finished) {
    return new Manifest(cutId, service, epoch, moment, startedAt, finished, newState, newReason,
        mode, cutMethod, consistent, fenceWindowMs, ackLatencyMs, skewMs, previousCutId, tables,
        dirs, bytesInCut, bytesCopied, copySeconds, users);
  }

  /** The same manifest, recording the user data the cut carries (kept in users.json beside it). */
  public Manifest withUsers(UserData.Summary newUsers) {
    return new Manifest(cutId, service, epoch, moment, startedAt, finishedAt, state, reason, mode, cutMethod,
        consistent, fenceWindowMs, ackLatencyMs, skewMs, previousCutId, tables, dirs, bytesInCut, bytesCopied,
        copySeconds, newUsers);
  }
}
