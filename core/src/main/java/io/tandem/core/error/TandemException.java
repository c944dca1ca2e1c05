package io.tandem.core.error;

/**
 * The root of Tandem's exceptions. Every message is written for an admin: one line that names
 * the object and, where there is one, the fix ("table billing:orders does not exist on primary
 * cluster prod-a"). {@link #kind()} maps it to an HTTP status and a CLI exit code in one place.
 */
public class TandemException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, coarse enough to decide exit codes and HTTP statuses. */
  public enum Kind {
    /** The request or input is malformed or invalid (bad policy, bad schedule). */
    INVALID(400, 2),
    /** The named object does not exist. */
    NOT_FOUND(404, 3),
    /** The request conflicts with the current state (duplicate, overlap, wrong transition). */
    CONFLICT(409, 4),
    /** A cluster or dependency is unreachable or unhealthy. */
    UNAVAILABLE(503, 5),
    /** An operation ran and failed (copy, verification, snapshot). */
    FAILED(500, 1);

    private final int httpStatus;
    private final int exitCode;

    Kind(int httpStatus, int exitCode) {
      this.httpStatus = httpStatus;
      this.exitCode = exitCode;
    }

    public int httpStatus() {
      return httpStatus;
    }

    public int exitCode() {
      return exitCode;
    }
  }

  private final Kind kind;

  public TandemException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public TandemException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  public static TandemException invalid(String message) {
    return new TandemException(Kind.INVALID, message);
  }

  public static TandemException notFound(String message) {
    return new TandemException(Kind.NOT_FOUND, message);
  }

  public static TandemException conflict(String message) {
    return new TandemException(Kind.CONFLICT, message);
  }

  public static TandemException unavailable(String message, Throwable cause) {
    return new TandemException(Kind.UNAVAILABLE, message, cause);
  }

  public static TandemException failed(String message, Throwable cause) {
    return new TandemException(Kind.FAILED, message, cause);
  }
}
