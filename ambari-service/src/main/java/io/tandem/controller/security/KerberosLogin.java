package io.tandem.controller.security;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.security.SecurityUtil;
import org.apache.hadoop.security.UserGroupInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.controller.TandemConf;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.error.TandemException;

/**
 * The controller's Kerberos identity. When a cluster's client configuration says
 * {@code hadoop.security.authentication=kerberos}, the daemon logs in from its keytab
 * ({@code tandem.kerberos.principal}, {@code _HOST} replaced as Hadoop daemons do, and
 * {@code tandem.kerberos.keytab}) before it talks to any cluster, and keeps the ticket fresh:
 * every {@code tandem.kerberos.relogin.interval.ms} it calls
 * {@link UserGroupInformation#checkTGTAndReloginFromKeytab()}, which logs in again once 80 % of
 * the ticket's life has passed.
 *
 * <p>Invariant: after {@link #login} returns, the process-wide login user is the keytab user.
 * Lifecycle: {@link #login} (or {@link #loginIfSecure}) once; {@link #close()} stops the relogin
 * thread (the login itself stays: UGI is per process).
 */
public final class KerberosLogin implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(KerberosLogin.class);
  static final String AUTHENTICATION = "hadoop.security.authentication";

  private final String principal;
  private final String keytab;
  private final UserGroupInformation user;
  private final Duration loginTime;
  private final ScheduledExecutorService relogin = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "tandem-kerberos-relogin");
    t.setDaemon(true);
    return t;
  });

  private KerberosLogin(String principal, String keytab, UserGroupInformation user, Duration loginTime) {
    this.principal = principal;
    this.keytab = keytab;
    this.user = user;
    this.loginTime = loginTime;
  }

  /** A cluster's core-site.xml that asks for Kerberos, and where it was read. */
  public record SecureCluster(Path coreSite, Configuration conf) {
  }

  /**
   * The first of the primary's and the secondary's core-site.xml (in their conf dirs) with
   * {@code hadoop.security.authentication=kerberos}, if any.
   */
  public static Optional<SecureCluster> secureCluster(TandemConf tandem) {
    for (var dirKey : new io.tandem.core.config.ConfigKey[] {TandemKeys.PRIMARY_CONF_DIR, TandemKeys.SECONDARY_CONF_DIR}) {
      Path coreSite = Path.of(tandem.get(dirKey), "core-site.xml");
      if (Files.isRegularFile(coreSite)) {
        Configuration c = new Configuration(false);
        c.addResource(new org.apache.hadoop.fs.Path(coreSite.toUri()));
        if ("kerberos".equalsIgnoreCase(c.getTrimmed(AUTHENTICATION, "simple"))) {
          return Optional.of(new SecureCluster(coreSite, c));
        }
      }
    }
    return Optional.empty();
  }

  /** For the daemon: logs in from the keytab when a cluster uses Kerberos; empty when none does. */
  public static Optional<KerberosLogin> loginIfSecure(TandemConf tandem) {
    return secureCluster(tandem).map(s -> login(tandem, s.conf(), s.coreSite().toString()));
  }

  /**
   * For the CLI: with a Kerberos cluster, Hadoop uses the caller's ticket cache ({@code kinit});
   * this only tells Hadoop's security layer that Kerberos is on.
   */
  public static void useTicketCacheIfSecure(TandemConf tandem) {
    secureCluster(tandem).ifPresent(s -> UserGroupInformation.setConfiguration(s.conf()));
  }

  /**
   * Logs the process in from the keytab and starts the relogin check.
   *
   * @param hadoopConf the security settings to use (a cluster's core-site: auth_to_local rules etc.);
   *        must say {@code hadoop.security.authentication=kerberos}
   * @param where names the source of the Kerberos setting in errors
   * @throws TandemException INVALID naming the key to set, or the principal and keytab when the
   *         keytab is unreadable or the KDC refuses the login
   */
  public static KerberosLogin login(TandemConf tandem, Configuration hadoopConf, String where) {
    String configured = tandem.get(TandemKeys.KERBEROS_PRINCIPAL);
    String keytab = tandem.get(TandemKeys.KERBEROS_KEYTAB);
    if (configured.isBlank() || keytab.isBlank()) {
      throw TandemException.invalid(AUTHENTICATION + " is kerberos in " + where + " but "
          + (configured.isBlank() ? TandemKeys.KERBEROS_PRINCIPAL.name() : TandemKeys.KERBEROS_KEYTAB.name())
          + " is not set: set " + TandemKeys.KERBEROS_PRINCIPAL.name() + " and " + TandemKeys.KERBEROS_KEYTAB.name()
          + " (Ambari sets both when Kerberos is enabled)");
    }
    String principal;
    try {
      principal = SecurityUtil.getServerPrincipal(configured, tandem.get(TandemKeys.HTTP_BIND_HOST));
    } catch (IOException e) {
      throw TandemException.invalid("cannot resolve _HOST in " + TandemKeys.KERBEROS_PRINCIPAL.name() + "=" + configured
          + ": " + e.getMessage());
    }
    Path kt = Path.of(keytab);
    if (!Files.isRegularFile(kt) || !Files.isReadable(kt)) {
      throw TandemException.invalid("Kerberos login of " + principal + " failed: keytab " + keytab
          + (Files.exists(kt) ? " is not readable by user " : " does not exist (user ")
          + System.getProperty("user.name") + (Files.exists(kt) ? "" : ")"));
    }
    long t0 = System.nanoTime();
    UserGroupInformation user;
    try {
      UserGroupInformation.setConfiguration(hadoopConf);
      UserGroupInformation.loginUserFromKeytab(principal, keytab);
      user = UserGroupInformation.getLoginUser();
    } catch (IOException | RuntimeException e) {
      throw TandemException.invalid("Kerberos login of " + principal + " from keytab " + keytab + " failed: "
          + rootCause(e) + " (check the principal is in the keytab with `klist -kt " + keytab
          + "` and that the KDC of " + where + " is reachable)");
    }
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    KerberosLogin login = new KerberosLogin(principal, keytab, user, took);
    long every = tandem.getLong(TandemKeys.KERBEROS_RELOGIN_INTERVAL_MS);
    login.relogin.scheduleWithFixedDelay(login::reloginIfNeeded, every, every, TimeUnit.MILLISECONDS);
    LOG.info("logged in to Kerberos as {} from keytab {} in {} ms (Kerberos is on in {}); checking the ticket every {} ms",
        principal, keytab, took.toMillis(), where, every);
    return login;
  }

  private void reloginIfNeeded() {
    try {
      user.checkTGTAndReloginFromKeytab();
    } catch (IOException | RuntimeException e) {
      LOG.error("Kerberos relogin of {} from keytab {} failed: {}", principal, keytab, rootCause(e));
    }
  }

  /** The innermost reason (UGI wraps the KDC's answer twice, repeating principal and keytab). */
  private static String rootCause(Throwable e) {
    Throwable c = e;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage().trim();
    return m.replace('\n', ' ');
  }

  /** The principal after {@code _HOST} substitution. */
  public String principal() {
    return principal;
  }

  public String keytab() {
    return keytab;
  }

  public UserGroupInformation user() {
    return user;
  }

  public Duration loginTime() {
    return loginTime;
  }

  @Override
  public void close() {
    relogin.shutdownNow();
  }
}
