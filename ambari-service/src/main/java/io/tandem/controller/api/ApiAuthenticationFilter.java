package io.tandem.controller.api;

import java.io.IOException;

import javax.servlet.FilterChain;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import javax.servlet.http.HttpServletResponseWrapper;

import org.apache.hadoop.security.authentication.server.AuthenticationFilter;

/**
 * Hadoop's {@link AuthenticationFilter} (simple or SPNEGO, as {@code tandem.controller.http.authentication}
 * says) in front of everything the controller's HTTP server serves, except {@code GET /api/v1/health}
 * (liveness, which tells nothing but UP and whether this controller is active). Its refusals are
 * answered as the API answers errors: one line of JSON.
 */
public final class ApiAuthenticationFilter extends AuthenticationFilter {
  static final String HEALTH = "/api/v1/health";

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest req = (HttpServletRequest) request;
    if (isHealth(req)) {
      chain.doFilter(request, response);
      return;
    }
    super.doFilter(request, new JsonErrors((HttpServletResponse) response,
        "authentication required: " + hint(getAuthenticationHandler().getType())), chain);
  }

  static boolean isHealth(HttpServletRequest req) {
    return ("GET".equals(req.getMethod()) || "HEAD".equals(req.getMethod())) && HEALTH.equals(ApiAccessFilter.path(req));
  }

  private static String hint(String type) {
    return "simple".equals(type)
        ? "add user.name=<your user> to the query (tandem.controller.http.authentication=simple)"
        : "use a Kerberos ticket with SPNEGO, e.g. curl --negotiate -u : (tandem.controller.http.authentication=" + type + ")";
  }

  /** Turns sendError (which Jetty answers with an HTML page) into {@code {"error": "..."}}. */
  private static final class JsonErrors extends HttpServletResponseWrapper {
    private final String message;

    JsonErrors(HttpServletResponse response, String message) {
      super(response);
      this.message = message;
    }

    @Override
    public void sendError(int sc, String msg) throws IOException {
      // 401: no credentials; else the handler's reason (a SPNEGO token it could not accept).
      String line = sc == HttpServletResponse.SC_UNAUTHORIZED || msg == null || msg.isBlank()
          ? message : "authentication failed: " + msg + "; " + message;
      ApiAccessFilter.refuse((HttpServletResponse) getResponse(), sc, line);
    }

    @Override
    public void sendError(int sc) throws IOException {
      sendError(sc, null);
    }
  }
}
