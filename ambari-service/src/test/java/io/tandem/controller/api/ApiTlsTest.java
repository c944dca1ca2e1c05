package io.tandem.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.stream.Stream;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.security.ssl.KeyStoreTestUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerDaemon;
import io.tandem.controller.ControllerFixture;
import io.tandem.controller.TandemConf;
import io.tandem.controller.cli.TandemCli;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.error.TandemException;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * The API with {@code tandem.controller.http.policy=HTTPS_ONLY}: served over TLS with the keystore
 * of a Hadoop-style ssl-server.xml, never in clear, and the CLI reaches it trusting the store of
 * ssl-client.xml.
 */
@ExtendWith(TwoClusters.class)
class ApiTlsTest {
  private static Path dir;
  private static Path serverXml;
  private static Path clientXml;
  private static TandemConf conf;
  private static ControllerContext ctx;
  private static ControllerDaemon daemon;

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    dir = Files.createTempDirectory("tandem-tls");
    // A keystore with a certificate for localhost, its trust store, and the two XML files naming them.
    KeyStoreTestUtil.setupSSLConfig(dir.toString(), dir.toString(), new Configuration(false), false);
    serverXml = only(dir, "server");
    clientXml = only(dir, "client");
    TandemConf built = ControllerFixture.conf(c, "/tls")
        .set(TandemKeys.HTTP_POLICY, "HTTPS_ONLY")
        .set(TandemKeys.SSL_SERVER_CONF, serverXml.toString())
        .set(TandemKeys.SSL_CLIENT_CONF, clientXml.toString());
    // From a file, as an installed controller runs, so that `config reload` has one to re-read.
    Path site = dir.resolve("tandem-site.xml");
    try (OutputStream out = Files.newOutputStream(site)) {
      built.raw().writeXml(out);
    }
    conf = TandemConf.load(site);
    ctx = ControllerContext.open(conf);
    daemon = new ControllerDaemon(ctx);
    daemon.start();
  }

  private static Path only(Path in, String word) throws IOException {
    try (Stream<Path> files = Files.list(in)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".xml") && p.getFileName().toString().contains(word))
          .findFirst().orElseThrow(() -> new IllegalStateException("no ssl-" + word + " XML in " + in));
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (daemon != null) {
      daemon.close();
    }
    if (ctx != null) {
      ctx.close();
    }
  }

  private static SSLContext trusting() throws Exception {
    Configuration client = new Configuration(false);
    client.addResource(new org.apache.hadoop.fs.Path(clientXml.toUri()));
    KeyStore store = KeyStore.getInstance(client.get("ssl.client.truststore.type", "jks"));
    try (InputStream in = Files.newInputStream(Path.of(client.get("ssl.client.truststore.location")))) {
      store.load(in, client.get("ssl.client.truststore.password").toCharArray());
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    return tls;
  }

  @Test
  void theApiAnswersOverTls() throws Exception {
    HttpsURLConnection https = (HttpsURLConnection) new URL("https://localhost:" + daemon.port()
        + "/api/v1/status?user.name=" + System.getProperty("user.name")).openConnection();
    https.setSSLSocketFactory(trusting().getSocketFactory());
    assertEquals(200, https.getResponseCode());
    assertNotNull(https.getCipherSuite());
    try (InputStream in = https.getInputStream()) {
      assertTrue(new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("\"clusters\""));
    }
  }

  @Test
  void nothingIsAnsweredInClear() throws Exception {
    HttpURLConnection plain = (HttpURLConnection) new URL("http://localhost:" + daemon.port()
        + "/api/v1/status?user.name=" + System.getProperty("user.name")).openConnection();
    plain.setConnectTimeout(5000);
    plain.setReadTimeout(5000);
    int status;
    try {
      status = plain.getResponseCode();
    } catch (IOException refused) {
      return; // the TLS connector closed the plain connection
    }
    assertNotEquals(200, status, "a plain HTTP call was answered");
    try (InputStream in = plain.getErrorStream()) {
      String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(!body.contains("\"clusters\""), body);
    }
  }

  @Test
  void theCliTrustsTheStoreOfSslClientXml() throws Exception {
    Path site = conf.source();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String url = "https://localhost:" + daemon.port();
    int code = TandemCli.run(new String[] {"--conf", site.toString(), "config", "reload", "--url", url},
        new PrintWriter(out, true), new PrintWriter(err, true));
    assertEquals(0, code, out + " / " + err);
    // Without the trust store, the JVM's default trust refuses the test CA: the call fails, naming the URL.
    Path untrusting = dir.resolve("tandem-site-untrusting.xml");
    Configuration raw = new Configuration(conf.raw());
    raw.set(TandemKeys.SSL_CLIENT_CONF.name(), dir.resolve("absent-ssl-client.xml").toString());
    try (OutputStream o = Files.newOutputStream(untrusting)) {
      raw.writeXml(o);
    }
    StringWriter err2 = new StringWriter();
    int refused = TandemCli.run(new String[] {"--conf", untrusting.toString(), "config", "reload", "--url", url},
        new PrintWriter(new StringWriter(), true), new PrintWriter(err2, true));
    assertNotEquals(0, refused);
    assertTrue(err2.toString().contains("https://"), err2.toString());
  }

  @Test
  void aServerConfWithoutAKeystoreIsRefusedNamingTheSetting() throws Exception {
    Path empty = dir.resolve("ssl-server-empty.xml");
    Files.writeString(empty, "<configuration/>");
    TandemConf bad = new TandemConf(new Configuration(false)).set(TandemKeys.SSL_SERVER_CONF, empty.toString());
    TandemException e = assertThrows(TandemException.class,
        () -> bad.sslConf(TandemKeys.SSL_SERVER_CONF, "ssl.server.keystore.location"));
    assertEquals(TandemException.Kind.INVALID, e.kind());
    assertTrue(e.getMessage().contains("ssl.server.keystore.location"), e.getMessage());
    TandemConf policy = new TandemConf(new Configuration(false)).set(TandemKeys.HTTP_POLICY, "HTTPS");
    TandemException p = assertThrows(TandemException.class, policy::httpsOnly);
    assertTrue(p.getMessage().startsWith(TandemKeys.HTTP_POLICY.name()), p.getMessage());
  }
}
