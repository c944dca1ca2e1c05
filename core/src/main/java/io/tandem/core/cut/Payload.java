package io.tandem.core.cut;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Reads and writes one znode payload as {@link Properties} text. Lists are stored as indexed
 * keys ({@code table.0}, {@code table.1}, ...) and maps as indexed key/value pairs, so no value
 * ever needs a separator escaped.
 */
final class Payload {
  static final String FORMAT_KEY = "format";
  static final String FORMAT = "1";

  private final Properties props;

  private Payload(Properties props) {
    this.props = props;
  }

  static Payload create() {
    Payload p = new Payload(new Properties());
    p.props.setProperty(FORMAT_KEY, FORMAT);
    return p;
  }

  /** @throws IllegalArgumentException if the bytes are not a payload of a known format */
  static Payload parse(byte[] data, String what) {
    if (data == null || data.length == 0) {
      throw new IllegalArgumentException(what + ": empty payload");
    }
    Properties p = new Properties();
    try {
      p.load(new ByteArrayInputStream(data));
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": unreadable payload: " + e.getMessage(), e);
    }
    String format = p.getProperty(FORMAT_KEY);
    if (!FORMAT.equals(format)) {
      throw new IllegalArgumentException(what + ": payload format " + format + " is not " + FORMAT
          + " (a newer or older Tandem wrote it)");
    }
    return new Payload(p);
  }

  byte[] bytes() {
    // Properties.store writes a date comment first; drop comments so equal payloads are equal bytes.
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      Properties sorted = new Properties() {
        @Override
        public synchronized java.util.Set<Map.Entry<Object, Object>> entrySet() {
          return Collections.synchronizedSet(new java.util.LinkedHashSet<>(new TreeMap<>(props).entrySet()));
        }
      };
      sorted.putAll(props);
      sorted.store(out, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String text = out.toString(StandardCharsets.ISO_8859_1);
    StringBuilder sb = new StringBuilder();
    for (String line : text.split("\n")) {
      if (!line.startsWith("#") && !line.isBlank()) {
        sb.append(line.strip()).append('\n');
      }
    }
    return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  Payload put(String key, String value) {
    if (value != null) {
      props.setProperty(key, value);
    }
    return this;
  }

  Payload put(String key, long value) {
    props.setProperty(key, Long.toString(value));
    return this;
  }

  Payload putList(String key, List<String> values) {
    props.setProperty(key + ".count", Integer.toString(values.size()));
    for (int i = 0; i < values.size(); i++) {
      props.setProperty(key + "." + i, values.get(i));
    }
    return this;
  }

  Payload putMap(String key, Map<String, String> values) {
    List<Map.Entry<String, String>> entries = new ArrayList<>(new TreeMap<>(values).entrySet());
    props.setProperty(key + ".count", Integer.toString(entries.size()));
    for (int i = 0; i < entries.size(); i++) {
      props.setProperty(key + "." + i + ".key", entries.get(i).getKey());
      props.setProperty(key + "." + i + ".value", entries.get(i).getValue());
    }
    return this;
  }

  String get(String key) {
    String v = props.getProperty(key);
    if (v == null) {
      throw new IllegalArgumentException("payload has no '" + key + "'");
    }
    return v;
  }

  String get(String key, String dflt) {
    return props.getProperty(key, dflt);
  }

  long getLong(String key) {
    String v = get(key);
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("payload '" + key + "' is not a number: " + v, e);
    }
  }

  long getLong(String key, long dflt) {
    return props.containsKey(key) ? getLong(key) : dflt;
  }

  List<String> getList(String key) {
    int n = (int) getLong(key + ".count", 0);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(get(key + "." + i));
    }
    return out;
  }

  Map<String, String> getMap(String key) {
    int n = (int) getLong(key + ".count", 0);
    Map<String, String> out = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      out.put(get(key + "." + i + ".key"), get(key + "." + i + ".value"));
    }
    return out;
  }
}
