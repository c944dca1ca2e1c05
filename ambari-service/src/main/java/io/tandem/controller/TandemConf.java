package io.tandem.controller;

import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.hadoop.conf.Configuration;

import io.tandem.core.config.ConfigKey;
import io.tandem.core.error.TandemException;

/**
 * The controller's tandem-site.xml, read through Hadoop's {@link Configuration} with the
 * defaults and docs of {@link io.tandem.core.config.TandemKeys}. Typed getters fail with a
 * message naming the key and the bad value.
 */
public final class TandemConf {
  private final Configuration conf;
  private final Path source;

  public TandemConf(Configuration conf) {
    this(conf, null);
  }

  private TandemConf(Configuration conf, Path source) {
    this.conf = conf;
    this.source = source;
  }

  /** Loads tandem-site.xml from the given file; missing keys take their defaults. */
  public static TandemConf load(Path siteXml) {
    if (!Files.isRegularFile(siteXml)) {
      throw TandemException.notFound("configuration file " + siteXml + " does not exist: pass --conf <tandem-site.xml> or set TANDEM_CONF_DIR");
    }
    Configuration c = new Configuration(false);
    c.addResource(new org.apache.hadoop.fs.Path(siteXml.toUri()));
    c.size();
    return new TandemConf(c, siteXml.toAbsolutePath());
  }

  /** The tandem-site.xml this was loaded from, or null when built in memory (tests, the demo). */
  public Path source() {
    return source;
  }

  public Configuration raw() {
    return conf;
  }

  public String get(ConfigKey key) {
    return conf.getTrimmed(key.name(), key.defaultValue());
  }

  public int getInt(ConfigKey key) {
    return (int) getLong(key);
  }

  public long getLong(ConfigKey key) {
    String v = get(key);
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw TandemException.invalid(key.name() + "=\"" + v + "\" is not a whole number (default " + key.defaultValue() + ")");
    }
  }

  public double getDouble(ConfigKey key) {
    String v = get(key);
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw TandemException.invalid(key.name() + "=\"" + v + "\" is not a number (default " + key.defaultValue() + ")");
    }
  }

  public boolean getBoolean(ConfigKey key) {
    String v = get(key);
    if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(v);
    }
    throw TandemException.invalid(key.name() + "=\"" + v + "\" must be true or false");
  }

  /**
   * The ZooKeeper ACL settings ({@code tandem.zk.acl.*}, {@code tandem.zk.auth}).
   *
   * @throws TandemException INVALID naming the key when one cannot be used
   */
  public io.tandem.core.zk.ZkAcl zkAcl() {
    return zkAcl(conf);
  }

  /** {@link #zkAcl()} of a plain Configuration (settings objects built from one). */
  public static io.tandem.core.zk.ZkAcl zkAcl(Configuration conf) {
    try {
      return io.tandem.core.zk.ZkAcl.from(k -> conf.getTrimmed(k, ""));
    } catch (IllegalArgumentException e) {
      throw TandemException.invalid(e.getMessage());
    }
  }

  public TandemConf set(ConfigKey key, String value) {
    conf.set(key.name(), value);
    return this;
  }
}
