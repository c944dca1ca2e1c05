package io.tandem.controller.api;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.FilterConfig;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.security.authorize.AccessControlList;

import io.tandem.core.config.TandemKeys;
import io.tandem.core.json.Json;

/**
 * What a request must carry, after {@link ApiAuthenticationFilter} named its user. Invariant: nothing
 * reaches a servlet unless
 * <ul>
 * <li>its Host header names this controller (an address or name of this host, or
 *     {@code tandem.controller.http.allowed-hosts}): a page whose DNS name was rebound to us gets nothing;</li>
 * <li>its Origin, when present, is this server's own (scheme, host and port of the request);</li>
 * <li>its user is in {@code tandem.admin.acl} when it changes anything (every method but GET, HEAD and OPTIONS) or
 *     reads the daemon's pages ({@code /conf}, {@code /jmx}, {@code /logLevel}, {@code /stacks} and
 *     whatever else is not the API or the status page's files), else in {@code tandem.read.acl} or the admin ACL;</li>
 * <li>a request that changes anything carries the {@value #CSRF_HEADER} header (which a cross-site form or
 *     a "simple" cross-site request cannot send; Hadoop's RestCsrfPreventionFilter convention) and, with a
 *     body, a JSON Content-Type.</li>
 * </ul>
 * No CORS header is ever sent, so browsers keep other sites from reading any answer. Refusals are one
 * line of JSON naming the user and the key that decides: 401 (no user), 403 (Host, Origin or ACL),
 * 400 (no CSRF header), 415 (a body that is not JSON).
 */
public final class ApiAccessFilter implements Filter {
  public static final String CSRF_HEADER = "X-XSRF-HEADER";
  /** The status page's files in {@code webapps/tandem}: readers may load them, as they may read the API. */
  static final Set<String> PAGE = Set.of("/index.html", "/status.js", "/status.css");

  /** What the filter decides with; one per server. */
  record Rules(AccessControlList admins, AccessControlList readers, Set<String> hosts, boolean anyHost) {
  }

  /**
   * The rules of each running server, by the key its filters get as init parameter {@value #RULES_PARAM}:
   * the filter also runs in HttpServer2's other contexts (/static, /logs), which share no attributes.
   */
  static final Map<String, Rules> REGISTRY = new java.util.concurrent.ConcurrentHashMap<>();
  static final String RULES_PARAM = "rules";

  private Rules rules;

  @Override
  public void init(FilterConfig config) throws ServletException {
    rules = REGISTRY.get(String.valueOf(config.getInitParameter(RULES_PARAM)));
    if (rules == null) {
      throw new ServletException("no access rules registered as " + config.getInitParameter(RULES_PARAM));
    }
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest req = (HttpServletRequest) request;
    HttpServletResponse resp = (HttpServletResponse) response;
    Rules r = rules;
    if (ApiAuthenticationFilter.isHealth(req)) {
      chain.doFilter(request, response);
      return;
    }
    String path = path(req);
    String method = req.getMethod();
    String host = req.getHeader("Host");
    if (host != null && !r.anyHost() && !r.hosts().contains(hostName(host))) {
      refuse(resp, 403, "Host " + host + " is not a name of this controller: add it to "
          + TandemKeys.HTTP_ALLOWED_HOSTS.name() + " if clients reach the API by that name");
      return;
    }
    String origin = req.getHeader("Origin");
    if (origin != null && (host == null || !origin.equalsIgnoreCase(req.getScheme() + "://" + host))) {
      refuse(resp, 403, "cross-origin request from " + origin + " refused: the API answers its own origin only");
      return;
    }
    String user = req.getRemoteUser();
    if (user == null) {
      refuse(resp, 401, "authentication required (" + TandemKeys.HTTP_AUTHENTICATION.name() + ")");
      return;
    }
    // OPTIONS answers nothing but Allow (no CORS headers): hadoop-auth's client authenticates with it.
    boolean reads = "GET".equals(method) || "HEAD".equals(method) || "OPTIONS".equals(method);
    boolean admin = !reads || !(path.startsWith("/api/v1/") || path.equals("/") || PAGE.contains(path)
        || path.startsWith("/static/"));
    UserGroupInformation ugi = UserGroupInformation.createRemoteUser(user);
    if (admin ? !r.admins().isUserAllowed(ugi) : !(r.readers().isUserAllowed(ugi) || r.admins().isUserAllowed(ugi))) {
      String key = admin ? TandemKeys.ADMIN_ACL.name() : TandemKeys.READ_ACL.name();
      refuse(resp, 403, "user " + user + " may not " + method + " " + path + ": not in " + key
          + (admin ? "" : " or " + TandemKeys.ADMIN_ACL.name()));
      return;
    }
    if (!reads) {
      if (req.getHeader(CSRF_HEADER) == null) {
        refuse(resp, 400, "missing header " + CSRF_HEADER + " (any value): every " + method
            + " must carry it, which a cross-site page cannot do");
        return;
      }
      boolean hasBody = req.getContentLengthLong() > 0 || req.getHeader("Transfer-Encoding") != null;
      String type = req.getContentType();
      if (hasBody && !isJson(type)) {
        refuse(resp, 415, "Content-Type " + type + " refused: send the body as application/json");
        return;
      }
    }
    chain.doFilter(request, response);
  }

  private static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    String t = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return t.equals("application/json") || (t.startsWith("application/") && t.endsWith("+json"));
  }

  /** The Host header without its port, lower-case; IPv6 literals keep their brackets. */
  static String hostName(String hostHeader) {
    String h = hostHeader.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end < 0 ? h : h.substring(0, end + 1);
    }
    int colon = h.indexOf(':');
    return colon < 0 ? h : h.substring(0, colon);
  }

  /** The decoded, normalized path as the server routes it (context, servlet, path info). */
  static String path(HttpServletRequest req) {
    String p = req.getContextPath() + req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo());
    return p.isEmpty() ? "/" : p;
  }

  /** Answers {@code {"error": line}} with the status; no other header is touched. */
  static void refuse(HttpServletResponse resp, int status, String line) throws IOException {
    byte[] bytes = Json.bytes(Map.of("error", ApiServer.oneLine(line)));
    resp.setStatus(status);
    resp.setContentType("application/json; charset=utf-8");
    resp.setContentLength(bytes.length);
    try (OutputStream out = resp.getOutputStream()) {
      out.write(bytes);
    }
  }

  @Override
  public void destroy() {
  }
}
