package io.tandem.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivilegedExceptionAction;
import java.util.Map;
import java.util.Properties;

import javax.security.auth.Subject;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import javax.security.auth.login.LoginContext;

import org.apache.hadoop.minikdc.MiniKdc;
import org.apache.hadoop.security.authentication.client.AuthenticatedURL;
import org.apache.hadoop.security.authentication.client.KerberosAuthenticator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerDaemon;
import io.tandem.controller.ControllerFixture;
import io.tandem.controller.TandemConf;
import io.tandem.core.config.TandemKeys;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * The API in kerberos mode against a real KDC (Hadoop's MiniKdc): SPNEGO with hadoop-auth's client as
 * users in and out of the ACLs, and a call without a ticket. An IT: the KDC's krb5.conf is per JVM.
 */
@ExtendWith(TwoClusters.class)
class ApiSpnegoIT {
  private static MiniKdc kdc;
  private static File keytab;
  private static ControllerContext ctx;
  private static ControllerDaemon daemon;

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    // The JDK's HttpURLConnection negotiates by itself and would reuse one user's SPNEGO context for the
    // next user's call to the same host; each call here is one user's.
    System.setProperty("jdk.spnego.cache", "false");
    Path dir = Files.createTempDirectory("tandem-spnego-");
    Properties kdcConf = MiniKdc.createConf();
    kdc = new MiniKdc(kdcConf, dir.toFile());
    kdc.start();
    keytab = dir.resolve("all.keytab").toFile();
    kdc.createPrincipal(keytab, "HTTP/localhost", "alice", "bob", "mallory");
    TandemConf conf = ControllerFixture.conf(c, "/spnego");
    conf.set(TandemKeys.HTTP_BIND_HOST, "localhost")
        .set(TandemKeys.HTTP_AUTHENTICATION, "kerberos")
        .set(TandemKeys.HTTP_SPNEGO_PRINCIPAL, "HTTP/_HOST@" + kdc.getRealm())
        .set(TandemKeys.HTTP_SPNEGO_KEYTAB, keytab.getAbsolutePath())
        .set(TandemKeys.ADMIN_ACL, "alice")
        .set(TandemKeys.READ_ACL, "bob");
    ctx = ControllerContext.open(conf);
    daemon = new ControllerDaemon(ctx);
    daemon.start();
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (daemon != null) {
      daemon.close();
    }
    if (ctx != null) {
      ctx.close();
    }
    if (kdc != null) {
      kdc.stop();
    }
  }

  @Test
  void spnegoUsersAreHeldToTheAcls() throws Exception {
    String conf = "/conf";
    String delete = "/api/v1/policies/nosuch?dryRun=true";
    String read = "/api/v1/identity";
    assertEquals(200, as("alice", "GET", conf).status(), "admin reads /conf");
    assertEquals(404, as("alice", "DELETE", delete).status(), "admin passes the ACL; no such policy");
    assertEquals(200, as("bob", "GET", read).status(), "reader reads");
    Answer bobDeletes = as("bob", "DELETE", delete);
    assertEquals(403, bobDeletes.status(), bobDeletes.body());
    assertTrue(bobDeletes.body().contains("bob") && bobDeletes.body().contains("tandem.admin.acl"), bobDeletes.body());
    // hadoop-auth's client authenticates with an OPTIONS that a user outside both ACLs is refused, so it
    // reports an AuthenticationException; the JDK's own SPNEGO shows the API's answer.
    Answer malloryReads = as("mallory", "GET", read, false);
    assertEquals(403, malloryReads.status(), malloryReads.body());
    assertTrue(malloryReads.body().contains("tandem.read.acl"), malloryReads.body());
    // No ticket, and simple mode's user.name counts for nothing here.
    HttpURLConnection plain = (HttpURLConnection) new URL(url(read + "?user.name=alice")).openConnection();
    assertEquals(401, plain.getResponseCode());
    assertTrue(plain.getHeaderField("WWW-Authenticate").startsWith("Negotiate"), plain.getHeaderField("WWW-Authenticate"));
    assertEquals(200, ((HttpURLConnection) new URL(url("/api/v1/health")).openConnection()).getResponseCode());
  }

  private record Answer(int status, String body) {
  }

  private static String url(String path) {
    return "http://localhost:" + daemon.port() + path;
  }

  /** One call with SPNEGO as {@code user}, logged in from the keytab into a Subject of its own. */
  private static Answer as(String user, String method, String path) throws Exception {
    return as(user, method, path, true);
  }

  /** @param hadoopAuth true: hadoop-auth's AuthenticatedURL (what the CLI uses); false: the JDK's HttpURLConnection alone */
  private static Answer as(String user, String method, String path, boolean hadoopAuth) throws Exception {
    Subject subject = new Subject();
    LoginContext login = new LoginContext("", subject, null, new Configuration() {
      @Override
      public AppConfigurationEntry[] getAppConfigurationEntry(String name) {
        return new AppConfigurationEntry[] {new AppConfigurationEntry("com.sun.security.auth.module.Krb5LoginModule",
            AppConfigurationEntry.LoginModuleControlFlag.REQUIRED, Map.of("principal", user + "@" + kdc.getRealm(),
                "keyTab", keytab.getAbsolutePath(), "useKeyTab", "true", "storeKey", "true", "doNotPrompt", "true",
                "isInitiator", "true", "refreshKrb5Config", "true"))};
      }
    });
    login.login();
    try {
      return Subject.doAs(subject, (PrivilegedExceptionAction<Answer>) () -> {
        HttpURLConnection c = hadoopAuth
            ? new AuthenticatedURL(new KerberosAuthenticator()).openConnection(new URL(url(path)), new AuthenticatedURL.Token())
            : (HttpURLConnection) new URL(url(path)).openConnection();
        c.setRequestMethod(method);
        c.setRequestProperty(ApiAccessFilter.CSRF_HEADER, "it");
        int status = c.getResponseCode();
        try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
          return new Answer(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      });
    } finally {
      login.logout();
    }
  }
}
