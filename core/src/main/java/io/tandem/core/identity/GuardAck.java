package io.tandem.core.identity;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Objects;
import java.util.Properties;

/**
 * What one identity guard (a RegionServer's, a NameNode's) has applied, kept as the data of its
 * ephemeral member node {@link IdentityLayout#member(String, String)} in the controller's
 * ZooKeeper. A guard rewrites it after every record change it applies, and only once the change
 * is in force: when {@code allowsWrites} is false, no application write to a protected data set
 * that the guard let in before is still under way.
 *
 * <p>The controller reads these to know when every guard of a demoted cluster has turned on: a
 * guard is done when its ack shows the epoch with {@code allowsWrites=false}, or when its node is
 * gone (its session ended, and a guard without a session refuses by itself).
 *
 * @param epoch        the identity record's epoch the guard applied; {@link #NO_EPOCH} when there
 *                     was no record (Tandem not set up: the guard refuses nothing)
 * @param primary      the record's primary as the guard read it (empty: switch in progress or no record)
 * @param allowsWrites whether this guard lets application writes into protected data sets
 * @param state        the guard's state ({@link GuardView.State} name), for people reading the node
 */
public record GuardAck(String cluster, String member, long epoch, String primary, boolean allowsWrites,
    String state, Instant appliedAt) {
  /** The epoch of an ack written while there is no identity record. */
  public static final long NO_EPOCH = -1;

  public GuardAck {
    cluster = cluster == null ? "" : cluster;
    member = member == null ? "" : member;
    primary = primary == null ? "" : primary;
    state = state == null ? "" : state;
    Objects.requireNonNull(appliedAt, "appliedAt");
    if (epoch < NO_EPOCH) {
      throw new IllegalArgumentException("epoch must be >= " + NO_EPOCH + ", got " + epoch);
    }
  }

  /** Just the two facts the controller waits on (the first shape of this record; kept for its callers). */
  public GuardAck(long epoch, boolean allowsWrites) {
    this("", "", epoch, "", allowsWrites, "", Instant.EPOCH);
  }

  public byte[] encode() {
    Properties p = new Properties();
    p.setProperty("format", "1");
    p.setProperty("cluster", cluster);
    p.setProperty("member", member);
    p.setProperty("epoch", Long.toString(epoch));
    p.setProperty("primary", primary);
    p.setProperty("allowsWrites", Boolean.toString(allowsWrites));
    p.setProperty("state", state);
    p.setProperty("appliedAt", appliedAt.toString());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      p.store(out, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Reads an ack. Only {@code format}, {@code epoch} and {@code allowsWrites} are required; the
   * descriptive fields default to empty (and {@code appliedAt} to the epoch of time).
   *
   * @throws IllegalArgumentException if the bytes are not a guard ack
   */
  public static GuardAck decode(byte[] data) {
    if (data == null || data.length == 0) {
      throw new IllegalArgumentException("empty guard ack");
    }
    Properties p = new Properties();
    try {
      p.load(new ByteArrayInputStream(data));
    } catch (IOException e) {
      throw new IllegalArgumentException("unreadable guard ack: " + e.getMessage(), e);
    }
    if (!"1".equals(p.getProperty("format"))) {
      throw new IllegalArgumentException("guard ack of unknown format " + p.getProperty("format"));
    }
    try {
      String allows = p.getProperty("allowsWrites");
      if (!"true".equals(allows) && !"false".equals(allows)) {
        throw new IllegalArgumentException("allowsWrites is " + allows + ", not true or false");
      }
      String at = p.getProperty("appliedAt");
      return new GuardAck(p.getProperty("cluster", ""), p.getProperty("member", ""),
          Long.parseLong(p.getProperty("epoch")), p.getProperty("primary", ""), Boolean.parseBoolean(allows),
          p.getProperty("state", ""), at == null ? Instant.EPOCH : Instant.parse(at));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("malformed guard ack: " + e.getMessage(), e);
    }
  }
}
