package io.tandem.controller.api;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.apache.hadoop.security.UserGroupInformation;

/**
 * Calls a controller's API the way an admin's script does in simple mode: {@code user.name}, the CSRF
 * header on every call, a JSON Content-Type on bodies. {@link #as} changes the user, {@link #raw} sends
 * exactly what it is given.
 */
public final class ApiClient {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private final int port;
  private final String user;

  private ApiClient(int port, String user) {
    this.port = port;
    this.user = user;
  }

  /** As the controller's own user, who is always an admin. */
  public static ApiClient admin(int port) {
    try {
      return new ApiClient(port, UserGroupInformation.getCurrentUser().getShortUserName());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public ApiClient as(String otherUser) {
    return new ApiClient(port, otherUser);
  }

  public HttpResponse<String> call(String method, String path, String body) throws IOException, InterruptedException {
    String sep = path.contains("?") ? "&" : "?";
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path + sep + "user.name="
            + URLEncoder.encode(user, StandardCharsets.UTF_8)))
        .timeout(Duration.ofSeconds(120))
        .header(ApiAccessFilter.CSRF_HEADER, "test");
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Exactly this request: no user, header or type added. */
  public HttpResponse<String> raw(HttpRequest.Builder request) throws IOException, InterruptedException {
    return HTTP.send(request.timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }
}
