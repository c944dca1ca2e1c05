package io.tandem.core.config;

import java.util.List;

/**
 * Every key of tandem-site.xml with its default and doc. The generated tandem-default.xml and
 * the docs table come from {@link #ALL}; nothing else in the code spells a key.
 */
public final class TandemKeys {
  private TandemKeys() {
  }

  public static final ConfigKey CONTROLLER_ZK_QUORUM = new ConfigKey("tandem.controller.zk.quorum", "localhost:2181",
      "The controller's own ZooKeeper (host:port,...), isolated from the primary: policies, identity, leader election.");
  public static final ConfigKey CONTROLLER_ZK_ROOT = new ConfigKey("tandem.controller.zk.root", "/tandem",
      "Root znode of Tandem's state in the controller's ZooKeeper.");
  public static final ConfigKey ZK_SESSION_TIMEOUT_MS = new ConfigKey("tandem.zk.session.timeout.ms", "30000",
      "Session timeout of the controller's ZooKeeper sessions (its own ZooKeeper, and the primary's for cuts): a controller that dies holds its service locks and cut settings this long, after which the next operation takes them over.");
  public static final ConfigKey HTTP_PORT = new ConfigKey("tandem.controller.http.port", "21880",
      "Port of the controller's HTTP API (0 picks a free port).");
  public static final ConfigKey HTTP_BIND_HOST = new ConfigKey("tandem.controller.http.bind-host", "0.0.0.0",
      "Address the controller's HTTP API binds to. 0.0.0.0 (every interface) lets Ambari's alerts and service check reach it from other hosts; the API authenticates and authorizes every call (docs/security.md), and a specific address narrows it further.");
  public static final ConfigKey HTTP_AUTHENTICATION = new ConfigKey("tandem.controller.http.authentication", "simple",
      "How the HTTP API authenticates callers (Hadoop's AuthenticationFilter): simple (the user.name query parameter, as Hadoop's pseudo authentication; an assertion, not a proof) or kerberos (SPNEGO). Every endpoint but GET /api/v1/health needs it.");
  public static final ConfigKey HTTP_ANONYMOUS_ALLOWED = new ConfigKey("tandem.controller.http.authentication.simple.anonymous.allowed", "false",
      "In simple mode, let requests without user.name through as the user 'anonymous' (who is then subject to the ACLs).");
  public static final ConfigKey HTTP_SPNEGO_PRINCIPAL = new ConfigKey("tandem.controller.http.authentication.kerberos.principal", "HTTP/_HOST@EXAMPLE.COM",
      "In kerberos mode, the SPNEGO principal of the HTTP API (HTTP/<host>@REALM; _HOST becomes the bind host, or this host's name for 0.0.0.0).");
  public static final ConfigKey HTTP_SPNEGO_KEYTAB = new ConfigKey("tandem.controller.http.authentication.kerberos.keytab", "/etc/security/keytabs/spnego.service.keytab",
      "In kerberos mode, the keytab holding the SPNEGO principal.");
  public static final ConfigKey HTTP_ALLOWED_HOSTS = new ConfigKey("tandem.controller.http.allowed-hosts", "",
      "Host header values the API answers besides this host's names and addresses and localhost (comma-separated, e.g. a load balancer's name; * accepts any). Guards against DNS rebinding.");
  public static final ConfigKey HTTP_POLICY = new ConfigKey("tandem.controller.http.policy", "HTTP_ONLY",
      "HTTP_ONLY or HTTPS_ONLY (as dfs.http.policy): HTTPS_ONLY serves the API over TLS only, with the keystore named in tandem.controller.ssl.server.conf.");
  public static final ConfigKey SSL_SERVER_CONF = new ConfigKey("tandem.controller.ssl.server.conf", "ssl-server.xml",
      "Hadoop-style TLS settings of the API with HTTPS_ONLY (ssl.server.keystore.location, .password, .keypassword, .type; ssl.server.truststore.*): a file path, or a resource on the controller's classpath (its conf dir).");
  public static final ConfigKey SSL_CLIENT_CONF = new ConfigKey("tandem.controller.ssl.client.conf", "ssl-client.xml",
      "Trust settings of the CLI's calls to an HTTPS_ONLY controller (ssl.client.truststore.location, .password, .type): a file path or a classpath resource; when absent, the JVM's default trust store.");
  public static final ConfigKey SSL_CA_FILE = new ConfigKey("tandem.controller.ssl.ca.file", "",
      "PEM file of the CA that Ambari's scripts and alerts trust for an HTTPS_ONLY controller (its certificate's issuer); empty: the host's CA bundle.");
  public static final ConfigKey ADMIN_ACL = new ConfigKey("tandem.admin.acl", "tandem",
      "Hadoop ACL (\"users groups\", * for all) of who may change anything through the API (every POST, PUT and DELETE) and read /conf, /jmx, /stacks and /logLevel. The controller's own user is always admitted.");
  public static final ConfigKey READ_ACL = new ConfigKey("tandem.read.acl", "*",
      "Hadoop ACL (\"users groups\", * for every authenticated user) of who may read status, policies, backups and identity through the API; admins may too.");
  public static final ConfigKey PRIMARY_NAME = new ConfigKey("tandem.primary.name", "primary",
      "Name of the cluster that starts as primary.");
  public static final ConfigKey PRIMARY_CONF_DIR = new ConfigKey("tandem.primary.conf.dir", "/etc/tandem/conf/primary",
      "Directory with the primary cluster's core-site.xml, hdfs-site.xml and hbase-site.xml.");
  public static final ConfigKey SECONDARY_NAME = new ConfigKey("tandem.secondary.name", "secondary",
      "Name of the cluster that starts as secondary.");
  public static final ConfigKey SECONDARY_CONF_DIR = new ConfigKey("tandem.secondary.conf.dir", "/etc/tandem/conf/secondary",
      "Directory with the secondary cluster's core-site.xml, hdfs-site.xml and hbase-site.xml.");
  public static final ConfigKey REPLICA_DIR = new ConfigKey("tandem.secondary.replica.dir", "/tandem/replica",
      "Where shipped HDFS data sets live on the secondary (one snapshottable directory per data set).");
  public static final ConfigKey CATALOG_DIR = new ConfigKey("tandem.catalog.dir", "/tandem/catalog",
      "Where cut manifests live on the secondary's HDFS: <dir>/<service>/<cut>/manifest.json.");
  public static final ConfigKey TRANSFER_MODE = new ConfigKey("tandem.transfer.mode.default", "push",
      "Transfer mode of policies that name none: push (the primary sends) or pull (the secondary fetches).");
  public static final ConfigKey TRANSFER_MAPPERS = new ConfigKey("tandem.transfer.mappers", "4",
      "Map tasks per copy job (DistCp -m, ExportSnapshot -mappers).");
  public static final ConfigKey TRANSFER_BANDWIDTH_MB = new ConfigKey("tandem.transfer.bandwidth.mb", "100",
      "Bandwidth limit per map task in MB/s (DistCp -bandwidth, ExportSnapshot -bandwidth).");
  public static final ConfigKey MAPREDUCE_FRAMEWORK = new ConfigKey("tandem.mapreduce.framework", "local",
      "Where copy jobs run: local (in the controller's JVM) or yarn (the cluster's YARN, from its mapred-site/yarn-site).");
  public static final ConfigKey SCHEDULER_TICK_MS = new ConfigKey("tandem.scheduler.tick.ms", "10000",
      "How often the scheduler looks for due policies.");
  public static final ConfigKey FENCE_LEASE_MS = new ConfigKey("tandem.fence.lease.ms", "30000",
      "Longest a cut may hold writes or flushes; participants release by themselves after it.");
  public static final ConfigKey FENCE_ALERT_MS = new ConfigKey("tandem.fence.alert.ms", "2000",
      "A fence window longer than this raises the fence alert.");
  public static final ConfigKey CUT_METHOD = new ConfigKey("tandem.cut.method", "fenced",
      "How cuts are taken: fenced (one consistent instant across all data sets; needs the coprocessor and NameNode plugin) or sequential (one snapshot after another, not consistent across data sets).");
  public static final ConfigKey CUT_ARM_TIMEOUT_MS = new ConfigKey("tandem.cut.arm.timeout.ms", "10000",
      "How long the controller waits for every RegionServer hosting a fenced region to arm and ack; then the cut fails.");
  public static final ConfigKey CUT_HDFS_TIMEOUT_MS = new ConfigKey("tandem.cut.hdfs.timeout.ms", "10000",
      "How long the controller waits for the NameNode plugin to snapshot the cut's directories; then the cut fails.");
  public static final ConfigKey CUT_ZK_ROOT = new ConfigKey("tandem.cut.zk.root", io.tandem.core.cut.CutProtocol.DEFAULT_ROOT,
      "Znode in the primary's ZooKeeper under which cuts are published; the coprocessor and NameNode plugin must use the same.");
  public static final ConfigKey CLOCK_PROBE_DIR = new ConfigKey("tandem.clock.probe.dir", "/tmp",
      "HDFS directory (writable by the controller's user) where the clock probe creates and removes one empty directory.");
  public static final ConfigKey MAX_SKEW_MS = new ConfigKey("tandem.clock.max-skew.ms", "500",
      "Largest clock skew between the controller and a cluster at which a cut may run.");
  public static final ConfigKey WATCH_INTERVAL_MS = new ConfigKey("tandem.watch.interval.ms", "5000",
      "How often each cluster watcher probes its cluster.");
  public static final ConfigKey WATCH_FAILURE_THRESHOLD = new ConfigKey("tandem.watch.failure.threshold", "3",
      "Consecutive failed probes after which a cluster is reported faulty.");
  public static final ConfigKey FAILOVER_AUTOMATIC = new ConfigKey("tandem.failover.automatic", "false",
      "Promote the secondary without an admin after the primary has been faulty for the delay below.");
  public static final ConfigKey FAILOVER_AUTOMATIC_DELAY_S = new ConfigKey("tandem.failover.automatic.delay.s", "300",
      "Seconds of primary failure before an automatic failover, when enabled.");
  public static final ConfigKey GUARD_WAIT_MS = new ConfigKey("tandem.failover.guard.wait.ms", "60000",
      "Longest a switch waits for the old primary's guards to refuse writes (at least their ZooKeeper session timeout).");
  public static final ConfigKey FAILOVER_REQUIRE_GUARDS = new ConfigKey("tandem.failover.require.guards", "true",
      "When the old primary is reachable, a switch waits for a guard of each of its live RegionServers and its active NameNode, registered or not (a server whose guard is off is waited for, and the switch stops naming it); false waits only for the guards that registered.");
  public static final ConfigKey METRICS_COLLECTOR_URL = new ConfigKey("tandem.metrics.collector.url", "",
      "Ambari Metrics collector timeline endpoint, e.g. http://ams-host:6188/ws/v1/timeline/metrics; empty publishes nothing.");
  public static final ConfigKey METRICS_INTERVAL_MS = new ConfigKey("tandem.metrics.interval.ms", "60000",
      "How often the controller publishes its metrics to the collector.");
  public static final ConfigKey POLICIES = new ConfigKey("tandem.policies", "[]",
      "JSON list of policies the controller applies on start and on config refresh (Ambari's Backup tab).");
  public static final ConfigKey POLICIES_DELETE_MISSING = new ConfigKey("tandem.policies.delete.missing", "false",
      "On start and config refresh, also delete stored policies that tandem.policies no longer lists (false keeps policies made with the CLI or REST API).");
  public static final ConfigKey KERBEROS_PRINCIPAL = new ConfigKey("tandem.kerberos.principal", "",
      "Principal the controller logs in as when a cluster's core-site.xml has hadoop.security.authentication=kerberos; _HOST becomes this host's name.");
  public static final ConfigKey KERBEROS_KEYTAB = new ConfigKey("tandem.kerberos.keytab", "",
      "Keytab of tandem.kerberos.principal, readable by the controller's user only.");
  public static final ConfigKey KERBEROS_RELOGIN_INTERVAL_MS = new ConfigKey("tandem.kerberos.relogin.interval.ms", "60000",
      "How often the controller checks its Kerberos ticket and logs in again from the keytab before it expires.");
  public static final ConfigKey RPO_WARNING_FRACTION = new ConfigKey("tandem.rpo.warning.fraction", "0.8",
      "The RPO alert warns when the newest complete cut is older than this fraction of the policy's RPO.");
  public static final ConfigKey USERS_CAPTURE = new ConfigKey("tandem.users.capture", "true",
      "Record the service's user data (HBase grants, HDFS owner/group/permission/ACL) with every cut, so a restore brings the permissions back with the data.");
  public static final ConfigKey USERS_SYNC_ON_CUT = new ConfigKey("tandem.users.sync.on-cut", "push",
      "After each complete cut, send the service's user data to the secondary: push (changes since the last push), reconcile (compare both clusters and fix) or none.");
  public static final ConfigKey USERS_RECONCILE_INTERVAL_S = new ConfigKey("tandem.users.reconcile.interval.s", "0",
      "Also reconcile every service's user data on this interval, in seconds, on the active controller (catches changes made by hand on the secondary); 0: only with cuts and on request.");
  public static final ConfigKey USERS_MAX_PATHS = new ConfigKey("tandem.users.max.paths", "1000000",
      "Most HDFS paths per service whose attributes a user sync or cut reads; beyond it the read fails with an error naming this key.");

  public static final ConfigKey DRILL_INTERVAL_HOURS = new ConfigKey("tandem.drill.interval.hours", "24",
      "Run a restore drill of each drilled service this often, in hours, on the active controller: its newest complete cut is restored into scratch tables and directories on the secondary and compared with the cut's snapshots on the primary (docs/drills.md); 0: drills only on request.");
  public static final ConfigKey DRILL_SERVICES = new ConfigKey("tandem.drill.services", "",
      "Comma-separated services the scheduled drills cover; empty: every service with a policy.");
  public static final ConfigKey DRILL_KEEP = new ConfigKey("tandem.drill.keep", "10",
      "How many drill records per service the catalog keeps (<catalog>/<service>/drills/), newest first.");
  public static final ConfigKey DRILL_SCRATCH_DIR = new ConfigKey("tandem.drill.scratch.dir", "/tandem/drill",
      "Where drills restore directories and keep their hash files on the secondary: <dir>/<service>/<drillId>/; removed after each drill.");

  public static final ConfigKey ZK_ACL_CONTROLLER = new ConfigKey(io.tandem.core.zk.ZkAcl.CONTROLLER_IDS_KEY, "",
      "ZooKeeper ids of the controller (e.g. sasl:tandem, or digest:tandem:<base64 sha1>): only they may change the identity record, the protected sets, cut specs and the controller's state. Empty leaves Tandem's znodes open. Set the same value in hbase-site and hdfs-site.");
  public static final ConfigKey ZK_ACL_PARTICIPANTS = new ConfigKey(io.tandem.core.zk.ZkAcl.PARTICIPANT_IDS_KEY, "",
      "ZooKeeper ids of the RegionServers and NameNodes (e.g. sasl:hbase,sasl:hdfs): they may read cut specs and write their acks and guard nodes, nothing else. Same value in hbase-site and hdfs-site.");
  public static final ConfigKey ZK_AUTH = new ConfigKey(io.tandem.core.zk.ZkAcl.AUTH_KEY, "",
      "Credentials the controller adds to its ZooKeeper sessions, e.g. digest:tandem:secret, or @/etc/tandem/conf/zk-auth.txt to read them from a file only the controller's user can read. Empty with Kerberos: the JAAS Client section logs in. In hbase-site/hdfs-site: the participants' own credentials.");

  public static final List<ConfigKey> ALL = List.of(CONTROLLER_ZK_QUORUM, CONTROLLER_ZK_ROOT, ZK_SESSION_TIMEOUT_MS, HTTP_PORT,
      HTTP_BIND_HOST, HTTP_AUTHENTICATION, HTTP_ANONYMOUS_ALLOWED, HTTP_SPNEGO_PRINCIPAL, HTTP_SPNEGO_KEYTAB,
      HTTP_ALLOWED_HOSTS, HTTP_POLICY, SSL_SERVER_CONF, SSL_CLIENT_CONF, SSL_CA_FILE, ADMIN_ACL, READ_ACL, PRIMARY_NAME, PRIMARY_CONF_DIR, SECONDARY_NAME, SECONDARY_CONF_DIR, REPLICA_DIR,
      CATALOG_DIR, TRANSFER_MODE, TRANSFER_MAPPERS, TRANSFER_BANDWIDTH_MB, MAPREDUCE_FRAMEWORK,
      SCHEDULER_TICK_MS, FENCE_LEASE_MS, FENCE_ALERT_MS, CUT_METHOD, CUT_ARM_TIMEOUT_MS, CUT_HDFS_TIMEOUT_MS,
      CUT_ZK_ROOT, CLOCK_PROBE_DIR, MAX_SKEW_MS, WATCH_INTERVAL_MS,
      WATCH_FAILURE_THRESHOLD, FAILOVER_AUTOMATIC, FAILOVER_AUTOMATIC_DELAY_S, GUARD_WAIT_MS, FAILOVER_REQUIRE_GUARDS, METRICS_COLLECTOR_URL, METRICS_INTERVAL_MS, POLICIES,
      POLICIES_DELETE_MISSING, KERBEROS_PRINCIPAL, KERBEROS_KEYTAB, KERBEROS_RELOGIN_INTERVAL_MS,
      RPO_WARNING_FRACTION, USERS_CAPTURE, USERS_SYNC_ON_CUT, USERS_RECONCILE_INTERVAL_S, USERS_MAX_PATHS,
      DRILL_INTERVAL_HOURS, DRILL_SERVICES, DRILL_KEEP, DRILL_SCRATCH_DIR, ZK_ACL_CONTROLLER, ZK_ACL_PARTICIPANTS, ZK_AUTH);

  /**
   * Writes {@code docs/tandem-default.xml} and the keys tables of {@code docs/configuration.md}
   * (tandem-site's and {@link ServerKeys}') under the given repository root (default: the working
   * directory). Tests check both are current.
   */
  public static void main(String[] args) throws java.io.IOException {
    java.nio.file.Path root = java.nio.file.Path.of(args.length > 0 ? args[0] : ".");
    java.nio.file.Files.writeString(root.resolve("docs/tandem-default.xml"), defaultXml());
    java.nio.file.Files.writeString(root.resolve("docs/configuration.md"), configurationDoc());
  }

  /** The heading of docs/configuration.md's section on the keys of {@link ServerKeys}. */
  public static final String SERVER_KEYS_HEADING = "## Keys of the RegionServers and NameNodes (hbase-site / hdfs-site)";

  /**
   * docs/configuration.md: a short intro and the table of tandem-site's keys, then a section with
   * the tables of {@link ServerKeys}, one per {@link ServerKeys.Group}.
   */
  public static String configurationDoc() {
    StringBuilder sb = new StringBuilder("# Configuration\n\n"
        + "<!-- Generated from io.tandem.core.config.TandemKeys and ServerKeys (TandemKeys.main); a test checks it is current. -->\n\n"
        + "## Keys of the controller (tandem-site.xml)\n\n"
        + "The controller reads `tandem-site.xml` (`--conf`, or `$TANDEM_CONF_DIR/tandem-site.xml`). Every key, its\n"
        + "default and meaning; `tandem config defaults` prints the same as XML (also in `docs/tandem-default.xml`).\n"
        + "In Ambari the same keys are the `tandem-site` config type (see `docs/ambari.md`).\n\n"
        + markdownTable()
        + "\n" + SERVER_KEYS_HEADING + "\n\n"
        + "Tandem's parts inside the primary's and the secondary's servers read these from their host's configuration:\n"
        + "the fence and identity guard coprocessors from the RegionServers' `hbase-site.xml`, the cut plugin and the\n"
        + "identity guard's attribute provider from the NameNodes' `hdfs-site.xml`. An empty value means the default.\n"
        + "They are not part of `tandem-site`; in Ambari the service advisor recommends those that must match the\n"
        + "controller's (see `docs/ambari.md`).\n");
    for (ServerKeys.Group g : ServerKeys.GROUPS) {
      sb.append("\n### ").append(g.title()).append("\n\n").append(markdownTable(g.keys()));
    }
    return sb.toString();
  }

  /** tandem-default.xml, generated from {@link #ALL}. */
  public static String defaultXml() {
    StringBuilder sb = new StringBuilder();
    sb.append("<?xml version=\"1.0\"?>\n<!-- Generated from io.tandem.core.config.TandemKeys: do not edit. -->\n<configuration>\n");
    for (ConfigKey k : ALL) {
      sb.append("  <property>\n    <name>").append(k.name()).append("</name>\n    <value>")
          .append(escape(k.defaultValue())).append("</value>\n    <description>")
          .append(escape(k.doc())).append("</description>\n  </property>\n");
    }
    return sb.append("</configuration>\n").toString();
  }

  /** The docs table (Markdown), generated from {@link #ALL}. */
  public static String markdownTable() {
    return markdownTable(ALL);
  }

  /** A docs table (Markdown) of {@code keys}, one row each in their order. */
  public static String markdownTable(List<ConfigKey> keys) {
    StringBuilder sb = new StringBuilder("| key | default | meaning |\n|---|---|---|\n");
    for (ConfigKey k : keys) {
      sb.append("| `").append(k.name()).append("` | `").append(k.defaultValue().replace("|", "\\|"))
          .append("` | ").append(markdownText(k.doc())).append(" |\n");
    }
    return sb.toString();
  }

  /** Markdown would take {@code <dir>} for an HTML tag and hide it, and a '|' would split the cell. */
  private static String markdownText(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|");
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
