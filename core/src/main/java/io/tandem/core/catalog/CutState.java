package io.tandem.core.catalog;

/**
 * Life of a cut in the catalog. Only a cut whose every data set was shipped and verified on the
 * secondary is COMPLETE; FAILED and ABORTED cuts are never restorable.
 */
public enum CutState {
  RUNNING, COMPLETE, FAILED, ABORTED;

  public boolean terminal() {
    return this != RUNNING;
  }
}
