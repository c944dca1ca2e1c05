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

  /** POST without a body. */
  static Response post(URI uri) throws IOException {
    HttpURLConnection c;
    try {
      c = new AuthenticatedURL(new KerberosAuthenticator()).openConnection(uri.toURL(), new AuthenticatedURL.Token());
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
