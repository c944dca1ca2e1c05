package io.tandem.controller.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Date;
import java.util.Locale;
import java.util.Properties;

import javax.security.auth.kerberos.KerberosTicket;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.minikdc.MiniKdc;
import org.apache.hadoop.security.UserGroupInformation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.tandem.controller.TandemConf;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.error.TandemException;

/**
 * The controller's Kerberos login against a real KDC (Hadoop's MiniKdc): keytab login with
 * {@code _HOST}, relogin before the ticket runs out, and one-line errors naming the principal
 * and keytab. An IT because Hadoop's login user is per JVM: failsafe runs it in its own.
 */
class KerberosLoginIT {
  /** Tickets live this long (seconds), so a relogin is due within the test. */
  private static final int TICKET_LIFETIME_S = 8;
  private static MiniKdc kdc;
  private static Path dir;
  private static String host;
  private static File keytab;
  private static File otherKeytab;

  @BeforeAll
  static void startKdc() throws Exception {
    dir = Files.createTempDirectory("tandem-kdc-");
    Properties conf = MiniKdc.createConf();
    conf.setProperty(MiniKdc.MAX_TICKET_LIFETIME, String.valueOf(TICKET_LIFETIME_S));
    conf.setProperty(MiniKdc.MIN_TICKET_LIFETIME, String.valueOf(TICKET_LIFETIME_S));
    kdc = new MiniKdc(conf, dir.toFile());
    long t0 = System.nanoTime();
    kdc.start();
    System.out.println("[figure] MiniKdc start: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    host = InetAddress.getLocalHost().getCanonicalHostName().toLowerCase(Locale.ROOT);
    keytab = dir.resolve("tandem.service.keytab").toFile();
    kdc.createPrincipal(keytab, "tandem/" + host);
    otherKeytab = dir.resolve("other.keytab").toFile();
    kdc.createPrincipal(otherKeytab, "somebody-else/" + host);
  }

  @AfterAll
  static void stopKdc() {
    if (kdc != null) {
      kdc.stop();
    }
  }

  private static TandemConf tandem(String principal, String keytabPath) {
    return new TandemConf(new Configuration(false))
        .set(TandemKeys.KERBEROS_PRINCIPAL, principal)
        .set(TandemKeys.KERBEROS_KEYTAB, keytabPath)
        .set(TandemKeys.KERBEROS_RELOGIN_INTERVAL_MS, "200");
  }

  private static Configuration kerberized() {
    Configuration c = new Configuration(false);
    c.set(KerberosLogin.AUTHENTICATION, "kerberos");
    // Let the relogin check act on our short tickets (Hadoop waits 60 s between logins by default).
    c.set("hadoop.kerberos.min.seconds.before.relogin", "1");
    return c;
  }

  /** The login user's ticket-granting ticket (its Subject, as code running as that user sees it). */
  @SuppressWarnings("removal")
  private static KerberosTicket tgt(UserGroupInformation ugi) {
    javax.security.auth.Subject subject = ugi.doAs((java.security.PrivilegedAction<javax.security.auth.Subject>) () ->
        javax.security.auth.Subject.getSubject(java.security.AccessController.getContext()));
    for (KerberosTicket t : subject.getPrivateCredentials(KerberosTicket.class)) {
      if (t.getServer().getName().startsWith("krbtgt/")) {
        return t;
      }
    }
    throw new AssertionError("no TGT in " + subject);
  }

  @Test
  void logsInFromTheKeytabWithHostSubstitutionAndReloginsBeforeTheTicketEnds() throws Exception {
    String expected = "tandem/" + host + "@" + kdc.getRealm();
    try (KerberosLogin login = KerberosLogin.login(tandem("tandem/_HOST@" + kdc.getRealm(), keytab.getPath()),
        kerberized(), "the test's core-site.xml")) {
      System.out.println("[figure] Kerberos keytab login: " + login.loginTime().toMillis() + " ms");
      assertEquals(expected, login.principal());
      UserGroupInformation ugi = UserGroupInformation.getLoginUser();
      assertEquals(expected, ugi.getUserName());
      assertTrue(ugi.isFromKeytab(), "logged in from the keytab");
      assertTrue(ugi.hasKerberosCredentials());
      assertEquals(UserGroupInformation.AuthenticationMethod.KERBEROS, ugi.getAuthenticationMethod());
      assertTrue(UserGroupInformation.isSecurityEnabled());

      // The relogin check replaces the ticket once 80 % of its life has passed; wait for that.
      Date firstStart = tgt(ugi).getStartTime();
      io.tandem.controller.ControllerFixture.until("a fresh ticket", java.time.Duration.ofSeconds(4L * TICKET_LIFETIME_S),
          () -> !tgt(UserGroupInformation.getLoginUser()).getStartTime().equals(firstStart));
      Date start = tgt(UserGroupInformation.getLoginUser()).getStartTime();
      assertNotEquals(firstStart, start, "the controller logged in again before its ticket expired");
      KerberosTicket fresh = tgt(UserGroupInformation.getLoginUser());
      assertTrue(fresh.getEndTime().after(new Date()), "the new ticket is valid");
      System.out.println("[figure] relogin after " + (start.getTime() - firstStart.getTime()) + " ms of an "
          + TICKET_LIFETIME_S + " s ticket");
    }
  }

  @Test
  void aKeytabWithoutThePrincipalFailsWithOneLineNamingBoth() {
    String principal = "tandem/_HOST@" + kdc.getRealm();
    TandemException e = assertThrows(TandemException.class,
        () -> KerberosLogin.login(tandem(principal, otherKeytab.getPath()), kerberized(), "core-site.xml of secondary"));
    String m = e.getMessage();
    System.out.println("[message] " + m);
    assertTrue(m.startsWith("Kerberos login of tandem/" + host + "@" + kdc.getRealm() + " from keytab "
        + otherKeytab.getPath() + " failed: "), m);
    assertTrue(m.contains("klist -kt " + otherKeytab.getPath()), m);
    assertFalse(m.contains("\n"), "one line: " + m);
    assertEquals(TandemException.Kind.INVALID, e.kind());
  }

  @Test
  void missingSettingsOrKeytabAreNamed() {
    TandemException noPrincipal = assertThrows(TandemException.class,
        () -> KerberosLogin.login(tandem("", keytab.getPath()), kerberized(), "/etc/tandem/conf/primary/core-site.xml"));
    assertTrue(noPrincipal.getMessage().contains("hadoop.security.authentication is kerberos in "
        + "/etc/tandem/conf/primary/core-site.xml but tandem.kerberos.principal is not set"), noPrincipal.getMessage());

    String missing = dir.resolve("nope.keytab").toString();
    TandemException noKeytab = assertThrows(TandemException.class,
        () -> KerberosLogin.login(tandem("tandem/_HOST@" + kdc.getRealm(), missing), kerberized(), "x"));
    assertTrue(noKeytab.getMessage().startsWith("Kerberos login of tandem/" + host + "@" + kdc.getRealm()
        + " failed: keytab " + missing + " does not exist"), noKeytab.getMessage());
  }

  @Test
  void onlyAKerberosClusterTriggersALogin() throws Exception {
    Path primary = Files.createDirectories(dir.resolve("primary"));
    Path secondary = Files.createDirectories(dir.resolve("secondary"));
    Files.writeString(primary.resolve("core-site.xml"), "<configuration><property><name>hadoop.security.authentication"
        + "</name><value>simple</value></property></configuration>");
    TandemConf conf = tandem("tandem/_HOST@" + kdc.getRealm(), keytab.getPath())
        .set(TandemKeys.PRIMARY_CONF_DIR, primary.toString())
        .set(TandemKeys.SECONDARY_CONF_DIR, secondary.toString());
    assertTrue(KerberosLogin.secureCluster(conf).isEmpty(), "simple auth and a dir without core-site: no login");
    Files.writeString(secondary.resolve("core-site.xml"), "<configuration><property><name>hadoop.security.authentication"
        + "</name><value>kerberos</value></property><property><name>hadoop.kerberos.min.seconds.before.relogin</name>"
        + "<value>1</value></property></configuration>");
    assertEquals(secondary.resolve("core-site.xml"), KerberosLogin.secureCluster(conf).orElseThrow().coreSite());
    try (KerberosLogin login = KerberosLogin.loginIfSecure(conf).orElseThrow()) {
      assertEquals("tandem/" + host + "@" + kdc.getRealm(), UserGroupInformation.getLoginUser().getUserName());
    }
  }
}
