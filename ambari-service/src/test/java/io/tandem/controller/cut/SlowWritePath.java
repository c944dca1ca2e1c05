package io.tandem.controller.cut;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.coprocessor.ObserverContext;
import org.apache.hadoop.hbase.coprocessor.RegionCoprocessor;
import org.apache.hadoop.hbase.coprocessor.RegionCoprocessorEnvironment;
import org.apache.hadoop.hbase.coprocessor.RegionObserver;
import org.apache.hadoop.hbase.wal.WALEdit;

/**
 * A table coprocessor for one negative control of the chain test: every put spends
 * {@value #DELAY_MS} ms between the fence's check (Tandem's system observer runs first) and the
 * row locks and memstore, as a slow write path would. With a correct fence the drain waits for
 * these puts; a fence that acks before the drain lets them land after the fixing flush.
 */
public final class SlowWritePath implements RegionCoprocessor, RegionObserver {
  static final long DELAY_MS = 200;

  @Override
  public Optional<RegionObserver> getRegionObserver() {
    return Optional.of(this);
  }

  @Override
  public void prePut(ObserverContext<RegionCoprocessorEnvironment> c, Put put, WALEdit edit)
      throws IOException {
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(DELAY_MS));
    if (Thread.currentThread().isInterrupted()) {
      throw new InterruptedIOException("interrupted in the slow write path");
    }
  }
}
