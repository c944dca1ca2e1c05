package io.tandem.controller.ship;

/** Receives progress of long copies; called from the polling thread, must not block. */
@FunctionalInterface
public interface ProgressListener {
  void progress(CopyProgress p);

  ProgressListener NONE = p -> { };
}
