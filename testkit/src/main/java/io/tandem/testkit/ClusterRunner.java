package io.tandem.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;


/**
 * The embedded primary and secondary as a process of their own, for tests of what users install:
 * the clusters run in this JVM with only the classpath and the settings they are given (the
 * management pack's server-side jars, the settings Ambari's advisor recommended), and the code
 * under test reaches them from another process through the conf dirs this writes.
 *
 * <pre>
 * java ... io.tandem.testkit.ClusterRunner --work DIR --zk-ports P,S,C
 *     [--primary-site FILE.properties] [--secondary-site FILE.properties] [--yarn]
 * </pre>
 *
 * <p>Writes {@code DIR/primary-conf} and {@code DIR/secondary-conf} (core-, hdfs-, hbase-site.xml,
 * plus yarn- and mapred-site.xml with {@code --yarn}), then {@code DIR/ready.properties} last, so
 * a reader that sees that file sees complete conf dirs. Runs until its standard input closes
 * (the parent process ended or closed it), then stops everything and exits 0. Exit 1 if the
 * clusters do not start, 2 on bad arguments.
 */
public final class ClusterRunner {
  private ClusterRunner() {
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opts;
    try {
      opts = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("ClusterRunner: " + e.getMessage());
      System.exit(2);
      return;
    }
    Path work = Path.of(opts.get("--work"));
    int[] ports = ports(opts.get("--zk-ports"));
    EmbeddedClusters clusters = new EmbeddedClusters(1).withoutTandemDefaults()
        .withZkPorts(ports[0], ports[1], ports[2]);
    if (opts.containsKey("--primary-site")) {
      clusters.withSiteSettings(EmbeddedClusters.PRIMARY, load(Path.of(opts.get("--primary-site"))));
    }
    if (opts.containsKey("--secondary-site")) {
      clusters.withSiteSettings(EmbeddedClusters.SECONDARY, load(Path.of(opts.get("--secondary-site"))));
    }
    MiniYarn yarn = null;
    try {
      clusters.start();
      Path primaryConf = EmbeddedClusters.writeConfDir(clusters.primary(), work.resolve("primary-conf"));
      Path secondaryConf = EmbeddedClusters.writeConfDir(clusters.secondary(), work.resolve("secondary-conf"));
      if (opts.containsKey("--yarn")) {
        yarn = MiniYarn.start("installed-pack-yarn",
            EmbeddedClusters.fsUri(clusters.primary()) + "/tmp/installed-pack-yarn/history");
        yarn.writeClientConf(primaryConf, "tandem-primary");
        yarn.writeClientConf(secondaryConf, "tandem-secondary");
        // Clients of this YARN live in other processes with their own classpath (the installed
        // controller): as on a real cluster, containers take the cluster's own Hadoop from
        // mapreduce.application.classpath, not the submitter's classpath (mini-cluster mode).
        for (Path dir : List.of(primaryConf, secondaryConf)) {
          asInstalledYarn(dir);
        }
      }
      Properties ready = new Properties();
      ready.setProperty("primary.conf", primaryConf.toString());
      ready.setProperty("secondary.conf", secondaryConf.toString());
      ready.setProperty("primary.fs", EmbeddedClusters.fsUri(clusters.primary()));
      ready.setProperty("secondary.fs", EmbeddedClusters.fsUri(clusters.secondary()));
      ready.setProperty("primary.zk", EmbeddedClusters.zkQuorum(clusters.primary()));
      ready.setProperty("secondary.zk", EmbeddedClusters.zkQuorum(clusters.secondary()));
      ready.setProperty("controller.zk", clusters.controllerZkQuorum());
      ready.setProperty("start.ms", Long.toString(clusters.startMillis()));
      if (yarn != null) {
        ready.setProperty("yarn.rm", yarn.config().get("yarn.resourcemanager.address"));
      }
      Path tmp = work.resolve("ready.properties.tmp");
      try (var out = Files.newOutputStream(tmp)) {
        ready.store(out, "clusters up");
      }
      Files.move(tmp, work.resolve("ready.properties"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      System.out.println("ClusterRunner: clusters up in " + clusters.startMillis() + " ms; " + ready);
      System.out.flush();
      waitForEndOfInput(System.in);
    } catch (Exception | Error e) {
      e.printStackTrace();
      System.err.println("ClusterRunner: clusters failed: " + e);
      stop(yarn, clusters);
      System.exit(1);
    }
    stop(yarn, clusters);
    System.exit(0);
  }

  private static void asInstalledYarn(Path confDir) throws IOException {
    for (String[] kv : new String[][] {
        {"yarn-site.xml", "yarn.is.minicluster", "false"},
        {"mapred-site.xml", "mapreduce.application.classpath", System.getProperty("java.class.path")}}) {
      Path file = confDir.resolve(kv[0]);
      org.apache.hadoop.conf.Configuration c = new org.apache.hadoop.conf.Configuration(false);
      c.addResource(new org.apache.hadoop.fs.Path(file.toUri()));
      c.set(kv[1], kv[2]);
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      c.writeXml(out);
      Files.write(file, out.toByteArray());
    }
  }

  private static void stop(MiniYarn yarn, EmbeddedClusters clusters) {
    try {
      if (yarn != null) {
        yarn.close();
      }
    } finally {
      clusters.close();
    }
  }

  private static void waitForEndOfInput(InputStream in) throws IOException {
    byte[] buf = new byte[256];
    while (in.read(buf) >= 0) {
      // ignore what the parent writes; end of input is the signal
    }
  }

  static Map<String, String> parse(String[] args) {
    Map<String, String> opts = new LinkedHashMap<>();
    List<String> flags = List.of("--yarn");
    List<String> valued = List.of("--work", "--zk-ports", "--primary-site", "--secondary-site");
    for (int i = 0; i < args.length; i++) {
      if (flags.contains(args[i])) {
        opts.put(args[i], "true");
      } else if (valued.contains(args[i]) && i + 1 < args.length) {
        opts.put(args[i], args[++i]);
      } else {
        throw new IllegalArgumentException("unknown or incomplete option " + args[i] + "; options: " + valued + " " + flags);
      }
    }
    for (String required : List.of("--work", "--zk-ports")) {
      if (!opts.containsKey(required)) {
        throw new IllegalArgumentException(required + " is required");
      }
    }
    return opts;
  }

  private static int[] ports(String csv) {
    String[] parts = csv.split(",");
    if (parts.length != 3) {
      throw new IllegalArgumentException("--zk-ports needs three ports: primary,secondary,controller; got " + csv);
    }
    List<Integer> out = new ArrayList<>();
    for (String p : parts) {
      out.add(Integer.parseInt(p.trim()));
    }
    return new int[] {out.get(0), out.get(1), out.get(2)};
  }

  private static Map<String, String> load(Path file) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    Map<String, String> out = new LinkedHashMap<>();
    p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
    return out;
  }
}
