package io.tandem.controller.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerDaemon;
import io.tandem.controller.TandemConf;
import io.tandem.controller.security.KerberosLogin;
import io.tandem.controller.identity.IdentityService;
import io.tandem.controller.identity.SwitchReport;
import io.tandem.controller.restore.RestoreService;
import io.tandem.controller.usersync.UserSyncService;
import io.tandem.controller.status.HealthProbe;
import io.tandem.core.identity.IdentityRecord;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.error.TandemException;
import io.tandem.core.json.Json;
import io.tandem.core.policy.Policy;
import io.tandem.core.policy.PolicySpec;
import io.tandem.core.usersync.UserData;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;

/**
 * {@code tandem}: one CLI with subcommands, each a thin shell over a service class. It reaches
 * the clusters and the controller's ZooKeeper directly, with the same tandem-site.xml the
 * daemon uses. Exit codes: 0 ok, 1 failed, 2 invalid input, 3 not found, 4 conflict,
 * 5 unavailable.
 */
@Command(name = "tandem", mixinStandardHelpOptions = true, version = "tandem 0.1.0-SNAPSHOT",
    description = "Consistent cross-cluster backup and failover for Hadoop.",
    subcommands = {TandemCli.PolicyCmd.class, TandemCli.BackupCmd.class, TandemCli.RestoreCmd.class,
        TandemCli.UsersCmd.class, TandemCli.IdentityCmd.class, TandemCli.ControllerCmd.class,
        TandemCli.ConfigCmd.class, TandemCli.GcCmd.class,
        TandemCli.DriftCmd.class, TandemCli.DrillCmd.class})
public final class TandemCli {

  /**
   * A command: prints to the writers {@link #run} was given (never to System.out directly), so
   * tests and embedders see everything it says.
   */
  abstract static class Cmd implements Callable<Integer> {
    @CommandLine.Spec
    CommandSpec commandSpec;

    PrintWriter out() {
      return commandSpec.commandLine().getOut();
    }

    PrintWriter err() {
      return commandSpec.commandLine().getErr();
    }
  }

  @Option(names = "-D", paramLabel = "key=value", scope = CommandLine.ScopeType.INHERIT,
      description = "override a setting of tandem-site.xml for this command (repeatable), as Hadoop's -D does")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Option(names = "--conf", description = "tandem-site.xml (default: $TANDEM_CONF_DIR/tandem-site.xml or /etc/tandem/conf/tandem-site.xml)")
  Path conf;

  TandemConf tandemConf() {
    Path p = conf;
    if (p == null) {
      String dir = System.getenv().getOrDefault("TANDEM_CONF_DIR", "/etc/tandem/conf");
      p = Path.of(dir, "tandem-site.xml");
    }
    TandemConf c = TandemConf.load(p);
    overrides.forEach((k, v) -> {
      if (k.isBlank()) {
        throw TandemException.invalid("-D needs key=value, got '=" + v + "'");
      }
      c.raw().set(k.trim(), v);
    });
    return c;
  }

  ControllerContext open() throws IOException {
    TandemConf c = tandemConf();
    KerberosLogin.useTicketCacheIfSecure(c);
    return ControllerContext.open(c);
  }

  public static void main(String[] args) {
    defaultLogging();
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** The logging defaults of the jar, used when nothing else configures log4j (reload4j). */
  static final String DEFAULT_LOG4J = "tandem-default-log4j.properties";

  /**
   * Before anything logs: unless {@code -Dlog4j.configuration} is given (the launcher passes the
   * conf dir's log4j.properties) or a log4j.properties sits on the classpath in a directory (a
   * conf dir put first on the classpath), log to the console with {@link #DEFAULT_LOG4J}: WARN,
   * Tandem at INFO. A log4j.properties inside some dependency's jar does not count.
   */
  static void defaultLogging() {
    if (System.getProperty("log4j.configuration") != null) {
      return;
    }
    java.net.URL own = TandemCli.class.getClassLoader().getResource("log4j.properties");
    if (own != null && "file".equals(own.getProtocol())) {
      return;
    }
    System.setProperty("log4j.configuration", DEFAULT_LOG4J);
  }

  /** Runs the CLI and returns its exit code; for tests and embedding. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new TandemCli());
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof TandemException te) {
        err.println("tandem: " + io.tandem.controller.api.ApiServer.oneLine(te.getMessage()));
        return te.kind().exitCode();
      }
      err.println("tandem: " + io.tandem.controller.api.ApiServer.oneLine(e.getClass().getSimpleName() + ": " + e.getMessage()));
      return 1;
    });
    int rc = cl.execute(args);
    out.flush();
    err.flush();
    return rc;
  }

  static PolicySpec readPolicyFile(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw TandemException.notFound("policy file " + file + " does not exist");
    }
    byte[] b = Files.readAllBytes(file);
    String name = file.getFileName().toString();
    if (name.endsWith(".yaml") || name.endsWith(".yml")) {
      try {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory()).findAndRegisterModules();
        return yaml.readValue(b, PolicySpec.class);
      } catch (IOException e) {
        throw TandemException.invalid("policy file " + file + " is not a valid YAML policy: "
            + String.valueOf(e.getMessage()).split("\n", 2)[0]);
      }
    }
    return Json.read(b, PolicySpec.class, "policy file " + file);
  }

  // ---------------------------------------------------------------- policy
  @Command(name = "policy", mixinStandardHelpOptions = true, description = "Manage backup policies.",
      subcommands = {PolicyCmd.Create.class, PolicyCmd.Update.class, PolicyCmd.ListCmd.class,
          PolicyCmd.Show.class, PolicyCmd.Delete.class})
  static final class PolicyCmd {
    @ParentCommand
    TandemCli root;

    /** Policy from --file, or from flags. */
    static final class Spec {
      @Option(names = "--file", description = "policy file (.json, .yaml)")
      Path file;
      @Option(names = "--service", description = "business service name")
      String service;
      @Option(names = "--dataset", description = "hdfs:/path, hbase:ns:table or hbase:ns:* (repeatable)")
      List<String> datasets;
      @Option(names = "--schedule", description = "once:<ISO instant>, every:<n>[s|m|h|d], cron:<expr> (repeatable)")
      List<String> schedules;
      @Option(names = "--mode", description = "push or pull")
      String mode;
      @Option(names = "--retain", description = "complete cuts to keep")
      Integer retain;
      @Option(names = "--rpo-seconds", description = "age of the newest complete cut that raises the RPO alert")
      Long rpo;
      @Option(names = "--user", description = "a user the service declares as its own; user sync checks its groups on both clusters (repeatable)")
      List<String> users;
      @Option(names = "--group", description = "a group the service declares as its own (repeatable)")
      List<String> groups;

      PolicySpec toSpec() throws IOException {
        if (file != null) {
          return readPolicyFile(file);
        }
        if (service == null) {
          throw TandemException.invalid("give --file or --service with --dataset and --schedule");
        }
        return new PolicySpec(service, datasets, schedules, mode, retain, rpo, users, groups, null);
      }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Validate and store a new policy.")
    static final class Create extends Cmd {
      @ParentCommand
      PolicyCmd parent;
      @CommandLine.Mixin
      Spec spec;
      @Option(names = "--dry-run", description = "validate only, store nothing")
      boolean dryRun;

      @Override
      public Integer call() throws Exception {
        try (ControllerContext ctx = parent.root.open()) {
          PolicySpec s = spec.toSpec();
          Policy p = dryRun ? ctx.policies().check(s, false) : ctx.policies().create(s);
          out().println((dryRun ? "valid (dry run, nothing stored): " : "created policy ") + p.service());
          out().println(Json.write(p.toSpec()));
          return 0;
        }
      }
    }

    @Command(name = "update", mixinStandardHelpOptions = true, description = "Validate and replace a policy.")
    static final class Update extends Cmd {
      @ParentCommand
      PolicyCmd parent;
      @CommandLine.Mixin
      Spec spec;
      @Option(names = "--dry-run", description = "validate only, change nothing")
      boolean dryRun;

      @Override
      public Integer call() throws Exception {
        try (ControllerContext ctx = parent.root.open()) {
          PolicySpec s = spec.toSpec();
          Policy p = dryRun ? ctx.policies().check(s, true) : ctx.policies().update(s);
          out().println((dryRun ? "valid (dry run, nothing changed): " : "updated policy ") + p.service());
          return 0;
        }
      }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List policies.")
    static final class ListCmd extends Cmd {
      @ParentCommand
      PolicyCmd parent;

      @Override
      public Integer call() throws Exception {
        try (ControllerContext ctx = parent.root.open()) {
          out().printf("%-20s %-6s %-7s %s%n", "SERVICE", "MODE", "RETAIN", "SCHEDULES / DATA SETS");
          for (Policy p : ctx.policies().list()) {
            PolicySpec s = p.toSpec();
            out().printf("%-20s %-6s %-7d %s / %s%n", p.service(), s.mode(), p.retain(), s.schedules(), s.datasets());
          }
          return 0;
        }
      }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one policy as JSON.")
    static final class Show extends Cmd {
      @ParentCommand
      PolicyCmd parent;
      @Parameters(paramLabel = "SERVICE")
      String service;

      @Override
      public Integer call() throws Exception {
        try (ControllerContext ctx = parent.root.open()) {
          out().println(Json.write(ctx.policies().get(service).toSpec()));
          return 0;
        }
      }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a policy (its cuts stay in the catalog).")
    static final class Delete extends Cmd {
      @ParentCommand
      PolicyCmd parent;
      @Parameters(paramLabel = "SERVICE")
      String service;
      @Option(names = "--dry-run", description = "say what would be deleted")
      boolean dryRun;

      @Override
      public Integer call() throws Exception {
        try (ControllerContext ctx = parent.root.open()) {
          if (!ctx.policies().delete(service, dryRun)) {
            throw TandemException.notFound("service " + service + " has no policy");
          }
          out().println((dryRun ? "would delete" : "deleted") + " policy " + service);
          return 0;
        }
      }
    }
  }

  // ---------------------------------------------------------------- backup
  @Command(name = "backup", mixinStandardHelpOptions = true, description = "Run and inspect backups (cuts).",
      subcommands = {BackupCmd.Run.class, BackupCmd.ListCmd.class, BackupCmd.Show.class})
  static final class BackupCmd {
    @ParentCommand
    TandemCli root;

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Cut, ship and verify a service now; prints progress.")
    static final class Run extends Cmd {
      @ParentCommand
      BackupCmd parent;
      @Option(names = "--service", required = true)
      String service;

      @Override
      public Integer call() throws Exception {
        try (ControllerContext ctx = parent.root.open()) {
          Manifest m = ctx.backups().run(service, Instant.now(), p -> err().println("  " + p.line()));
          out().println(Json.write(m));
          return m.state() == io.tandem.core.catalog.CutState.COMPLETE ? 0 : 1;
        }
      }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List a service's cuts, oldest first.")
    static final class ListCmd extends Cmd {
      @ParentCommand
      BackupCmd parent;
      @Option(names = "--service", required = true)
      String service;

      @Override
      public Integer call() throws Exception {
        try (ControllerContext ctx = parent.root.open()) {
          out().printf("%-36s %-9s %-24s %12s %12s %s%n", "CUT", "STATE", "MOMENT", "BYTES", "COPIED", "REASON");
          for (Manifest m : ctx.catalog().list(service)) {
            out().printf("%-36s %-9s %-24s %12d %12d %s%n", m.cutId(), m.state(), m.moment(), m.bytesInCut(),
                m.bytesCopied(), m.reason() == null ? "" : m.reason());
          }
          return 0;
        }
      }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a cut's manifest.")
    static final class Show extends Cmd {
      @ParentCommand
      BackupCmd parent;
      @Option(names = "--service", required = true)
      String service;
      @Option(names = "--cut", required = true)
      String cut;

      @Override
      public Integer call() throws Exception {
        try (ControllerContext ctx = parent.root.open()) {
          out().println(Json.write(ctx.catalog().require(service, cut)));
          return 0;
        }
      }
    }
  }

  // ---------------------------------------------------------------- restore
  @Command(name = "restore", mixinStandardHelpOptions = true,
      description = "Materialize a COMPLETE cut as live tables and directories on the secondary.")
  static final class RestoreCmd extends Cmd {
    @ParentCommand
    TandemCli root;
    @Option(names = "--service", required = true)
    String service;
    @Option(names = "--cut", required = true, description = "cut id (see 'tandem backup list')")
    String cut;
    @Option(names = "--dry-run", description = "print what would be restored, change nothing")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
      try (ControllerContext ctx = root.open()) {
        RestoreService.Report r = ctx.restores().restore(service, cut, dryRun);
        for (String a : r.actions()) {
          out().println((dryRun ? "would " : "") + a);
        }
        return 0;
      }
    }
  }

  // ---------------------------------------------------------------- users
  @Command(name = "users", mixinStandardHelpOptions = true,
      description = "User data (HBase grants, HDFS owner/group/permission/ACL) that follows a service.",
      subcommands = {UsersCmd.Sync.class, UsersCmd.Show.class})
  static final class UsersCmd {
    @ParentCommand
    TandemCli root;

    @Command(name = "sync", mixinStandardHelpOptions = true,
        description = "Make the secondary's user data of a service match the primary's and print every difference."
            + " Exit code 1 if some difference could not be fixed.")
    static final class Sync extends Cmd {
      @ParentCommand
      UsersCmd parent;
      @Option(names = "--service", required = true)
      String service;
      @Option(names = "--mode", defaultValue = "reconcile",
          description = "push: send what changed on the primary since the last push; reconcile: read both clusters"
              + " and fix every difference (default: ${DEFAULT-VALUE})")
      String mode;
      @Option(names = "--dry-run", description = "report the differences, change nothing")
      boolean dryRun;
      @Option(names = "--remove-extra", description = "also revoke grants and ACL entries of users and groups"
          + " that exist only on the secondary (default: report them)")
      boolean removeExtra;
      @Option(names = "--json", description = "print the report as JSON")
      boolean json;

      @Override
      public Integer call() throws Exception {
        UserSyncService.Mode m = UserSyncService.Mode.parse(mode);
        try (ControllerContext ctx = parent.root.open()) {
          UserSyncService.Report r = ctx.users().sync(service, m, dryRun, removeExtra);
          if (json) {
            out().println(Json.write(r));
          } else {
            r.differences().forEach(d -> out().println(d.text()));
            out().println("users " + r.mode() + " of " + service + " from " + r.primary() + " to " + r.secondary()
                + (dryRun ? " (dry run)" : "") + ": " + r.differences().size() + " differences " + r.outcomes());
          }
          return r.ok() ? 0 : 1;
        }
      }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
        description = "Print the user data recorded with a cut (JSON).")
    static final class Show extends Cmd {
      @ParentCommand
      UsersCmd parent;
      @Option(names = "--service", required = true)
      String service;
      @Option(names = "--cut", required = true, description = "cut id (see 'tandem backup list')")
      String cut;

      @Override
      public Integer call() throws Exception {
        try (ControllerContext ctx = parent.root.open()) {
          ctx.catalog().require(service, cut);
          UserData d = ctx.catalog().cutUsers(service, cut).orElseThrow(() -> TandemException.notFound(
              "cut " + cut + " of service " + service + " was taken without user data (tandem.users.capture=false)"));
          out().println(Json.write(d));
          return 0;
        }
      }
    }
  }

  // ---------------------------------------------------------------- identity
  @Command(name = "identity", mixinStandardHelpOptions = true,
      description = "Which cluster is primary; admin-confirmed failover and failback.",
      subcommands = {IdentityCmd.Show.class, IdentityCmd.Switch.class})
  static final class IdentityCmd {
    @ParentCommand
    TandemCli root;

    @Command(name = "show", mixinStandardHelpOptions = true,
        description = "Print the identity record: the primary cluster (the one applications use) and the epoch.")
    static final class Show extends Cmd {
      @ParentCommand
      IdentityCmd parent;

      @Override
      public Integer call() throws Exception {
        try (ControllerContext ctx = parent.root.open()) {
          IdentityRecord r = ctx.identity().require().record();
          out().println("primary=" + (r.inTransition() ? "" : r.primary()));
          out().println("epoch=" + r.epoch());
          out().println("changedAt=" + r.changedAt());
          out().println("reason=" + r.reason());
          ctx.switches().current().ifPresent(sw -> {
            out().println("switch=" + sw.id());
            out().println("switch.from=" + sw.from());
            out().println("switch.to=" + sw.to());
            out().println("switch.planned=" + sw.planned());
            out().println("switch.step=" + sw.step());
            out().println("switch.updatedAt=" + sw.updatedAt());
            if (sw.error() != null) {
              out().println("switch.error=" + sw.error());
            }
            out().println("switch.next=tandem identity switch --to " + sw.to() + " --confirm (resume) or --to "
                + sw.from() + " --confirm (revert)");
          });
          return 0;
        }
      }
    }

    @Command(name = "switch", mixinStandardHelpOptions = true,
        description = "Make a cluster primary: demote the current one (guards refuse writes), take a final cut if it "
            + "is healthy, restore the newest complete cut of every service on the target, promote it. Every step is "
            + "recorded: after an interruption, the same command resumes the switch, and --to <old primary> reverts it.")
    static final class Switch extends Cmd {
      @ParentCommand
      IdentityCmd parent;
      @Option(names = "--to", required = true, description = "the cluster to promote")
      String to;
      @Option(names = "--confirm", description = "required to change anything")
      boolean confirm;
      @Option(names = "--dry-run", description = "show what would be restored and what would be lost")
      boolean dryRun;
      @Option(names = "--expect-epoch", description = "refuse unless the record is at this epoch")
      Long expectEpoch;

      @Override
      public Integer call() throws Exception {
        try (ControllerContext ctx = parent.root.open();
            HealthProbe probe = new HealthProbe(ctx.clusters(), n -> "", 10_000, 1, ctx.clock())) {
          probe.probeAll();
          IdentityService ids = new IdentityService(ctx, probe::healthy, null,
              Duration.ofMillis(ctx.conf().getLong(TandemKeys.GUARD_WAIT_MS)));
          SwitchReport r = ids.switchTo(to, confirm, dryRun, expectEpoch);
          for (String w : r.lossWarnings()) {
            out().println("WARNING: " + w);
          }
          out().println(Json.write(r));
          return 0;
        }
      }
    }
  }

  // ---------------------------------------------------------------- controller
  @Command(name = "controller", mixinStandardHelpOptions = true, description = "The controller daemon.",
      subcommands = {ControllerCmd.Start.class})
  static final class ControllerCmd {
    @ParentCommand
    TandemCli root;

    @Command(name = "start", mixinStandardHelpOptions = true,
        description = "Run the controller in the foreground (for a service manager or Ambari's script).")
    static final class Start extends Cmd {
      @ParentCommand
      ControllerCmd parent;

      @Override
      public Integer call() throws Exception {
        TandemConf conf = parent.root.tandemConf();
        // Before any cluster is touched: Hadoop and HBase clients pick up the login user.
        java.util.Optional<KerberosLogin> kerberos = KerberosLogin.loginIfSecure(conf);
        ControllerContext ctx = ControllerContext.open(conf);
        ControllerDaemon daemon = new ControllerDaemon(ctx);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            kerberos.ifPresent(KerberosLogin::close);
            daemon.close();
            ctx.close();
          } catch (IOException e) {
            err().println("tandem: error while stopping: " + e.getMessage());
          }
        }, "tandem-shutdown"));
        daemon.start();
        out().println("tandem controller started; API on port " + daemon.port());
        daemon.awaitClose();
        return 0;
      }
    }
  }

  // ---------------------------------------------------------------- config
  @Command(name = "config", mixinStandardHelpOptions = true, description = "Configuration helpers.",
      subcommands = {ConfigCmd.Defaults.class, ConfigCmd.Reload.class})
  static final class ConfigCmd {
    @ParentCommand
    TandemCli root;

    @Command(name = "reload", mixinStandardHelpOptions = true,
        description = "Make the running controller re-read its tandem-site.xml and apply tandem.policies, without a "
            + "restart (what Ambari's Refresh configs does). Prints the report; exit 2 if a declared policy is invalid "
            + "(then nothing changed).")
    static final class Reload extends Cmd {
      @ParentCommand
      ConfigCmd parent;

      @Option(names = "--url", description = "the controller's API (default: http[s]://<tandem.controller.http.bind-host, "
          + "or localhost for 0.0.0.0>:<tandem.controller.http.port> from --conf, https with HTTPS_ONLY)")
      String url;

      @Override
      public Integer call() throws Exception {
        String base = url;
        if (base == null) {
          TandemConf c = parent.root.tandemConf();
          String host = c.get(TandemKeys.HTTP_BIND_HOST);
          base = c.httpScheme() + "://" + (host.equals("0.0.0.0") || host.isBlank() ? "localhost" : host) + ":"
              + c.get(TandemKeys.HTTP_PORT);
        }
        java.net.URI uri = java.net.URI.create(base.replaceAll("/+$", "") + "/api/v1/config/reload");
        ApiCall.Response r;
        try {
          r = ApiCall.post(uri, "https".equals(uri.getScheme()) ? ApiCall.trust(parent.root.tandemConf()) : null);
        } catch (java.io.IOException e) {
          throw TandemException.unavailable("cannot reach the controller at " + uri + " (" + e + "): is it running? "
              + "Pass --url if it listens elsewhere", e);
        }
        out().println(r.body());
        if (r.statusCode() == 200) {
          return 0;
        }
        String error = r.body();
        try {
          error = String.valueOf(Json.MAPPER.readTree(r.body()).get("error").asText());
        } catch (Exception ignored) {
          // not JSON: show the body as it is
        }
        err().println("tandem: " + error);
        return r.statusCode() == 400 ? TandemException.Kind.INVALID.exitCode() : TandemException.Kind.FAILED.exitCode();
      }
    }

    @Command(name = "defaults", mixinStandardHelpOptions = true,
        description = "Print tandem-default.xml (every key, its default and doc).")
    static final class Defaults extends Cmd {
      @Option(names = "--markdown", description = "as a Markdown table")
      boolean markdown;

      @Override
      public Integer call() {
        out().print(markdown ? TandemKeys.markdownTable() : TandemKeys.defaultXml());
        return 0;
      }
    }
  }

  // ---------------------------------------------------------------- gc
  @Command(name = "gc", mixinStandardHelpOptions = true,
      description = "Find and remove what Tandem made that no cut in the catalog needs: snapshots of cuts that are "
          + "not COMPLETE (HBase on both clusters, HDFS of the directories and their replicas), the verification "
          + "scratch dir, snapshot staging leftovers, stale cut znodes, and switches a dead controller left off. "
          + "Services with a cut, restore or sync in flight are left alone; replica data is never deleted. "
          + "Exit code 1 if something could not be read or removed.")
  static final class GcCmd extends Cmd {
    @ParentCommand
    TandemCli root;
    @Option(names = "--dry-run", description = "list the leftovers, remove nothing")
    boolean dryRun;
    @Option(names = "--json", description = "print the report as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
      try (ControllerContext ctx = root.open()) {
        io.tandem.controller.gc.LeftoverCollector.Report r = ctx.leftovers(ctx.locks()::isLocked).collect(dryRun);
        if (json) {
          out().println(Json.write(r));
        } else {
          out().printf("%-16s %-10s %-8s %12s %s%n", "KIND", "CLUSTER", "REMOVED", "BYTES", "NAME / NOTE");
          for (io.tandem.controller.gc.LeftoverCollector.Item i : r.items()) {
            out().printf("%-16s %-10s %-8s %12s %s (%s)%n", i.kind(), i.cluster(), i.removed() ? "yes" : "no",
                i.bytes() == null ? "-" : i.bytes().toString(), i.name(), i.note());
          }
          out().println("gc" + (dryRun ? " (dry run, nothing removed)" : "") + ": " + r.items().size()
              + " leftovers, " + r.removed() + " removed" + (r.busy().isEmpty() ? "" : "; busy services left alone: "
              + r.busy()));
          r.errors().forEach(e -> err().println("tandem: " + e));
        }
        return r.ok() ? 0 : 1;
      }
    }
  }

  // ---------------------------------------------------------------- drift
  @Command(name = "drift", mixinStandardHelpOptions = true,
      description = "What differs now between the primary and the secondary beyond each service's newest COMPLETE"
          + " cut: tables and regions, files, grants and ACLs (docs/drift.md). Changes nothing."
          + " Exit code 0 when computed (drift or not), 1 when a report could not be computed.")
  static final class DriftCmd extends Cmd {
    @ParentCommand
    TandemCli root;
    @Option(names = "--service", description = "only this service (default: every service with a policy)")
    String service;
    @Option(names = "--json", description = "print the report as JSON (as GET /api/v1/drift answers)")
    boolean json;

    @Override
    public Integer call() throws Exception {
      if (service != null) {
        try {
          io.tandem.core.policy.PolicyValidator.requireServiceName(service);
        } catch (TandemException e) {
          throw TandemException.invalid("--service: " + e.getMessage());
        }
      }
      try (ControllerContext ctx = root.open()) {
        io.tandem.controller.drift.DriftService drift = new io.tandem.controller.drift.DriftService(ctx);
        List<io.tandem.controller.drift.DriftReport> reports = service == null ? drift.all()
            : List.of(drift.report(service));
        PrintWriter out = out();
        if (json) {
          out.println(Json.write(service == null ? reports : reports.get(0)));
        } else {
          reports.forEach(r -> io.tandem.controller.drift.DriftText.print(r, out));
        }
        out.flush();
        boolean failed = false;
        for (io.tandem.controller.drift.DriftReport r : reports) {
          if (r.error() != null) {
            err().println("tandem: drift of " + r.service() + ": " + r.error());
            failed = true;
          }
        }
        return failed ? 1 : 0;
      }
    }
  }

  // ---------------------------------------------------------------- drill
  @Command(name = "drill", mixinStandardHelpOptions = true,
      description = "Restore drills: the newest COMPLETE cut restored into scratch tables and directories on the "
          + "secondary and compared with the cut's snapshots on the primary (docs/drills.md).",
      subcommands = {DrillCmd.Run.class, DrillCmd.ListCmd.class})
  static final class DrillCmd {
    @ParentCommand
    TandemCli root;

    @Command(name = "run", mixinStandardHelpOptions = true,
        description = "Drill a service now and wait for the verdict. Exit code 0 PASSED, 1 FAILED.")
    static final class Run extends Cmd {
      @ParentCommand
      DrillCmd parent;
      @Parameters(index = "0", paramLabel = "<service>", description = "the service whose newest complete cut is drilled")
      String service;
      @Option(names = "--json", description = "print the drill record as JSON")
      boolean json;

      @Override
      public Integer call() throws Exception {
        try (ControllerContext ctx = parent.root.open()) {
          io.tandem.controller.drill.DrillService drills = ctx.drills();
          io.tandem.controller.drill.DrillRecord d = drills.run(service, drills.newDrillId());
          if (json) {
            out().println(Json.write(d));
          } else {
            printDrills(out(), List.of(d));
          }
          return d.state() == io.tandem.controller.drill.DrillState.PASSED ? 0 : 1;
        }
      }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List a service's drills, newest first.")
    static final class ListCmd extends Cmd {
      @ParentCommand
      DrillCmd parent;
      @Parameters(index = "0", paramLabel = "<service>")
      String service;
      @Option(names = "--json", description = "print the drill records as JSON")
      boolean json;

      @Override
      public Integer call() throws Exception {
        try (ControllerContext ctx = parent.root.open()) {
          ctx.policies().get(service);
          List<io.tandem.controller.drill.DrillRecord> all = ctx.drills().list(service);
          if (json) {
            out().println(Json.write(all));
          } else {
            printDrills(out(), all);
          }
          return 0;
        }
      }
    }

    static void printDrills(PrintWriter out, List<io.tandem.controller.drill.DrillRecord> drills) {
      out.printf("%-26s %-8s %-36s %-24s %10s %s%n", "DRILL", "STATE", "CUT", "STARTED", "MS", "REASON");
      for (io.tandem.controller.drill.DrillRecord d : drills) {
        out.printf("%-26s %-8s %-36s %-24s %10s %s%n", d.drillId(), d.state(), d.cutId(), d.startedAt(),
            d.durationMs() == null ? "-" : d.durationMs().toString(), d.reason() == null ? "" : d.reason());
      }
    }
  }
}
