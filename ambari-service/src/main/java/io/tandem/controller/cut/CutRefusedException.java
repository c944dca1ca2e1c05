package io.tandem.controller.cut;

import java.io.IOException;

/** A cut was not started because a precondition failed (clock skew too large, data set missing). */
public final class CutRefusedException extends IOException {
  private static final long serialVersionUID = 1L;

  public CutRefusedException(String message) {
    super(message);
  }
}
