package io.tandem.core.identity;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What one guard (a RegionServer's or a NameNode's) has applied: the identity epoch and whether
 * it lets application writes in. Kept as the data of the guard's ephemeral member node.
 */
public record GuardAck(long epoch, boolean allowsWrites) {

  public byte[] encode() {
    Properties p = new Properties();
    p.setProperty("format", "1");
    p.setProperty("epoch", Long.toString(epoch));
    p.setProperty("allowsWrites", Boolean.toString(allowsWrites));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      p.store(out, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** @throws IllegalArgumentException if the bytes are not a guard ack */
  public static GuardAck decode(byte[] data) {
    Properties p = new Properties();
    try {
      p.load(new ByteArrayInputStream(data == null ? new byte[0] : data));
      return new GuardAck(Long.parseLong(p.getProperty("epoch")), Boolean.parseBoolean(p.getProperty("allowsWrites")));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("malformed guard ack: " + e.getMessage(), e);
    }
  }
}
