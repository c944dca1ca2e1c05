package io.tandem.controller.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;

import org.apache.hadoop.security.authentication.client.AuthenticatedURL;
import org.apache.hadoop.security.authentication.client.AuthenticationException;
import org.apache.hadoop.security.authentication.client.KerberosAuthenticator;

import io.tandem.controller.api.ApiAccessFilter;

/**
 * One call of the controller's API as the CLI's user, with hadoop-auth's client: SPNEGO with the
 * user's Kerberos ticket when the controller asks for it, else Hadoop's pseudo authentication
 * ({@code user.name} = this process's user). Mutating calls carry the CSRF header the API requires.
 */
final class ApiCall {
  private ApiCall() {
  }

  record Response(int statusCode, String body) {
  }

  /**
   * The trust of an HTTPS call: the trust store of {@code tandem.controller.ssl.client.conf}
   * (ssl.client.truststore.location, .password, .type), or null for the JVM's default.
   *
   * @throws TandemException INVALID naming the file when its trust store cannot be read
   */
  static javax.net.ssl.SSLSocketFactory trust(io.tandem.controller.TandemConf conf) {
    org.apache.hadoop.conf.Configuration ssl = conf.sslConf(io.tandem.core.config.TandemKeys.SSL_CLIENT_CONF, null);
    String location = ssl == null ? "" : ssl.getTrimmed("ssl.client.truststore.location", "");
    if (location.isEmpty()) {
      return null;
    }
    try (InputStream in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(location))) {
      java.security.KeyStore store = java.security.KeyStore.getInstance(ssl.get("ssl.client.truststore.type", "jks"));
      String password = ssl.get("ssl.client.truststore.password");
      store.load(in, password == null ? null : password.toCharArray());
      javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
          javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
      tls.init(null, tmf.getTrustManagers(), null);
      return tls.getSocketFactory();
    } catch (IOException | java.security.GeneralSecurityException e) {
      throw io.tandem.core.error.TandemException.invalid("ssl.client.truststore.location " + location + " in "
          + conf.get(io.tandem.core.config.TandemKeys.SSL_CLIENT_CONF) + " cannot be read as a trust store: " + e);
    }
  }

  /**
   * POST without a body.
   *
   * @param trust the socket factory of an https call (null: the JVM's default)
   */
  static Response post(URI uri, javax.net.ssl.SSLSocketFactory trust) throws IOException {
    HttpURLConnection c;
    try {
      org.apache.hadoop.security.authentication.client.ConnectionConfigurator tls = conn -> {
        if (trust != null && conn instanceof javax.net.ssl.HttpsURLConnection https) {
          https.setSSLSocketFactory(trust);
        }
        return conn;
      };
      c = new AuthenticatedURL(new KerberosAuthenticator(), tls).openConnection(uri.toURL(), new AuthenticatedURL.Token());
    } catch (AuthenticationException e) {
      return new Response(401, "{\"error\": \"" + e.getMessage() + "\"}");
    }
    c.setRequestMethod("POST");
    c.setRequestProperty(ApiAccessFilter.CSRF_HEADER, "tandem-cli");
    c.setConnectTimeout(10_000);
    c.setReadTimeout(90_000);
    c.setDoOutput(true);
    c.setFixedLengthStreamingMode(0);
    c.getOutputStream().close();
    int status = c.getResponseCode();
    try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
      return new Response(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }
}
