package io.tandem.core.config;

import java.util.concurrent.TimeUnit;

import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How Tandem's server-side parts (inside the NameNode and the RegionServers) read their settings
 * from their host's configuration: an empty or absent value means the default (or "none"), and a
 * bad value is refused with ONE log line at ERROR naming the key, the value, what is used instead
 * and the fix, never with an exception that could stop the host. Built on Hadoop's own getters
 * ({@link Configuration#getTrimmed}, {@link Configuration#getTimeDuration}), so a duration may be
 * written {@code 10000} or {@code 10s} as everywhere else in Hadoop.
 */
public final class ServerConf {
  private static final Logger LOG = LoggerFactory.getLogger(ServerConf.class);

  private final Configuration conf;
  /** Where the keys are set, for the fix: "hdfs-site.xml" or "hbase-site.xml". */
  private final String site;

  public ServerConf(Configuration conf, String site) {
    this.conf = conf == null ? new Configuration(false) : conf;
    this.site = site;
  }

  public Configuration conf() {
    return conf;
  }

  /** The trimmed value, or {@code def} when it is absent or empty. */
  public String trimmed(String key, String def) {
    String v = conf.getTrimmed(key, "");
    return v.isEmpty() ? def : v;
  }

  /**
   * A duration in milliseconds ({@code 30000}, {@code 30s}, {@code 1m}), at least {@code min};
   * {@code def} when absent, empty or bad (bad: logged once at ERROR).
   */
  public long durationMs(String key, long def, long min) {
    String raw = conf.getTrimmed(key, "");
    if (raw.isEmpty()) {
      return def;
    }
    long v;
    try {
      v = conf.getTimeDuration(key, def, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      refuse(key, raw, "is not a duration", def + " ms", "write milliseconds (e.g. " + def + ") or a number with a"
          + " unit (e.g. 30s)");
      return def;
    }
    if (v < min) {
      refuse(key, raw, "is below the minimum of " + min + " ms", def + " ms", "write at least " + min);
      return def;
    }
    return v;
  }

  /** A timeout in milliseconds, at least 1 and at most Integer.MAX_VALUE; see {@link #durationMs}. */
  public int timeoutMs(String key, int def) {
    return (int) Math.min(durationMs(key, def, 1), Integer.MAX_VALUE);
  }

  /** A whole number of at least {@code min}; {@code def} when absent, empty or bad (logged at ERROR). */
  public int intAtLeast(String key, int def, int min) {
    String raw = conf.getTrimmed(key, "");
    if (raw.isEmpty()) {
      return def;
    }
    int v;
    try {
      v = conf.getInt(key, def);
    } catch (RuntimeException e) {
      refuse(key, raw, "is not a whole number", String.valueOf(def), "write a whole number, e.g. " + def);
      return def;
    }
    if (v < min) {
      refuse(key, raw, "is below the minimum of " + min, String.valueOf(def), "write at least " + min);
      return def;
    }
    return v;
  }

  /**
   * The class a key names, which must implement {@code type} and may not be {@code notThis}.
   *
   * @param without what runs when the class is refused, for the log line (e.g. "no chained provider:
   *        its checks are NOT applied")
   * @return null when the key is absent or empty (no class), or when the class is refused (logged at
   *         ERROR with {@code without})
   */
  public <T> Class<? extends T> implementation(String key, Class<T> type, Class<?> notThis, String without) {
    String raw = conf.getTrimmed(key, "");
    if (raw.isEmpty()) {
      return null;
    }
    Class<?> c;
    try {
      c = conf.getClassByName(raw);
    } catch (ClassNotFoundException | LinkageError e) {
      refuse(key, raw, "names a class that cannot be loaded (" + e + ")", without,
          "put its jar on this server's classpath, or clear " + key);
      return null;
    }
    if (!type.isAssignableFrom(c)) {
      refuse(key, raw, "is not a " + type.getName(), without, "name a " + type.getSimpleName() + ", or clear " + key);
      return null;
    }
    if (notThis != null && notThis.isAssignableFrom(c)) {
      refuse(key, raw, "would chain " + notThis.getSimpleName() + " to itself", without,
          "name the provider configured before Tandem's, or clear " + key);
      return null;
    }
    return c.asSubclass(type);
  }

  /**
   * Tandem's ZooKeeper ACL settings ({@link io.tandem.core.zk.ZkAcl}). A bad value is refused
   * (one ERROR line): the participant then presents no credentials and creates open nodes, so a
   * controller that protects its znodes names it as not acknowledging, and nothing is widened.
   */
  public io.tandem.core.zk.ZkAcl zkAcl() {
    try {
      return io.tandem.core.zk.ZkAcl.from(k -> conf.get(k));
    } catch (IllegalArgumentException e) {
      String key = e.getMessage().split("[ :]", 2)[0];
      refuse(key, conf.get(key), "is refused (" + e.getMessage() + ")", "no ZooKeeper credentials",
          "write the same ids as tandem-site's " + io.tandem.core.zk.ZkAcl.CONTROLLER_IDS_KEY + " and "
              + io.tandem.core.zk.ZkAcl.PARTICIPANT_IDS_KEY);
      return io.tandem.core.zk.ZkAcl.OPEN;
    }
  }

  /** What was refused already in this JVM: a host that reads its configuration twice says it once. */
  private static final java.util.Set<String> REFUSED = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** The one ERROR line of a refused value (once per JVM for the same key, value and problem). */
  public void refuse(String key, String value, String problem, String using, String fix) {
    if (!REFUSED.add(site + "\n" + key + "\n" + value + "\n" + problem)) {
      return;
    }
    LOG.error("Tandem: {} = '{}' in {} {}; using {} instead. Fix: {}.", key, value, site, problem, using, fix);
  }
}
