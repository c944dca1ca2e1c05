package io.tandem.core.identity;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.Properties;

/**
 * The one authoritative record of which cluster is primary, kept in the controller's ZooKeeper
 * at {@link IdentityLayout#identity()}. {@code primary} is empty while a switch is in progress
 * (every cluster refuses application writes then). The epoch only grows; every manifest carries
 * the epoch it was cut under.
 *
 * <p>Encoded as {@link Properties} text so the guards inside RegionServers and NameNodes read it
 * without any JSON library.
 */
public record IdentityRecord(String primary, long epoch, Instant changedAt, String reason) {
  /** The primary value while a switch is in progress: nobody is primary. */
  public static final String NONE = "";

  public IdentityRecord {
    Objects.requireNonNull(primary, "primary");
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
    }
    Objects.requireNonNull(changedAt, "changedAt");
    reason = reason == null ? "" : reason;
  }

  public boolean inTransition() {
    return primary.isEmpty();
  }

  public boolean isPrimary(String cluster) {
    return !primary.isEmpty() && primary.equals(cluster);
  }

  /** The next record: epoch + 1. */
  public IdentityRecord next(String newPrimary, Instant at, String why) {
    return new IdentityRecord(newPrimary, epoch + 1, at, why);
  }

  public byte[] encode() {
    Properties p = new Properties();
    p.setProperty("format", "1");
    p.setProperty("primary", primary);
    p.setProperty("epoch", Long.toString(epoch));
    p.setProperty("changedAt", changedAt.toString());
    p.setProperty("reason", reason);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      p.store(out, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** @throws IllegalArgumentException if the bytes are not an identity record */
  public static IdentityRecord decode(byte[] data) {
    if (data == null || data.length == 0) {
      throw new IllegalArgumentException("empty identity record");
    }
    Properties p = new Properties();
    try {
      p.load(new ByteArrayInputStream(data));
    } catch (IOException e) {
      throw new IllegalArgumentException("unreadable identity record: " + e.getMessage(), e);
    }
    if (!"1".equals(p.getProperty("format"))) {
      throw new IllegalArgumentException("identity record of unknown format " + p.getProperty("format"));
    }
    try {
      return new IdentityRecord(p.getProperty("primary", ""), Long.parseLong(p.getProperty("epoch")),
          Instant.parse(p.getProperty("changedAt")), p.getProperty("reason", ""));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("malformed identity record: " + e.getMessage(), e);
    }
  }

  public static String text(byte[] data) {
    return new String(data, StandardCharsets.ISO_8859_1);
  }
}
