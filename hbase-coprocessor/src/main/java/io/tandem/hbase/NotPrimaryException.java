package io.tandem.hbase;

import org.apache.hadoop.hbase.DoNotRetryIOException;

/**
 * A write to a protected table refused because this cluster does not hold the primary role (or
 * cannot confirm it does). Clients do not retry it: retrying on this cluster cannot succeed until
 * the identity changes. The message is one line saying why and what to do, for example
 * {@code cluster secondary is not primary (epoch 4, primary is primary): writes to billing:orders
 * are refused; write to the primary or switch identity}.
 *
 * <p>It carries no stack trace: it is an answer, not a fault, and HBase ships the server's
 * stringified exception to the client, where a trace would bury the sentence.
 */
public class NotPrimaryException extends DoNotRetryIOException {
  private static final long serialVersionUID = 1L;

  /** Public with this signature: the HBase client rebuilds the exception reflectively from the message. */
  public NotPrimaryException(String message) {
    super(message);
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
