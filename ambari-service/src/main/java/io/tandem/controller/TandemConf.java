package io.tandem.controller;

import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.hadoop.conf.Configuration;

import io.tandem.core.config.ConfigKey;
import io.tandem.core.config.TandemKeys;
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
   * Whether the API serves HTTPS only ({@code tandem.controller.http.policy}).
   *
   * @throws TandemException INVALID naming the key for anything but HTTP_ONLY or HTTPS_ONLY
   */
  public boolean httpsOnly() {
    String policy = get(TandemKeys.HTTP_POLICY);
    if (policy.equalsIgnoreCase("HTTP_ONLY")) {
      return false;
    }
    if (policy.equalsIgnoreCase("HTTPS_ONLY")) {
      return true;
    }
    throw TandemException.invalid(TandemKeys.HTTP_POLICY.name() + "=\"" + policy + "\" must be HTTP_ONLY or HTTPS_ONLY");
  }

  /** http or https, by {@link #httpsOnly()}. */
  public String httpScheme() {
    return httpsOnly() ? "https" : "http";
  }

  /**
   * Hadoop-style TLS settings named by {@code key} (a file path, or a resource on the classpath).
   *
   * @param required a setting the file must have, e.g. ssl.server.keystore.location; null for none
   * @return null when the file is absent and nothing is required
   * @throws TandemException INVALID naming the key, the file and the missing setting
   */
  public Configuration sslConf(ConfigKey key, String required) {
    String name = get(key);
    Configuration ssl = new Configuration(false);
    java.io.File file = new java.io.File(name);
    if (file.isAbsolute() && file.isFile()) {
      ssl.addResource(new org.apache.hadoop.fs.Path(file.toURI()));
    } else if (Thread.currentThread().getContextClassLoader().getResource(name) != null) {
      ssl.addResource(name);
    } else if (required == null) {
      return null;
    } else {
      throw TandemException.invalid(key.name() + "=\"" + name + "\" is neither a file nor on the controller's classpath;"
          + " write the path of the Hadoop-style ssl-server.xml that names the keystore");
    }
    if (required != null && ssl.getTrimmed(required, "").isEmpty()) {
      throw TandemException.invalid(required + " is not set in " + name + " (" + key.name() + "): name the keystore"
          + " the API serves HTTPS with");
    }
    return ssl;
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
