package io.tandem.hbase;

import java.io.IOException;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.Coprocessor;
import org.apache.hadoop.hbase.CoprocessorEnvironment;
import org.apache.hadoop.hbase.client.Append;
import org.apache.hadoop.hbase.client.CheckAndMutate;
import org.apache.hadoop.hbase.client.CheckAndMutateResult;
import org.apache.hadoop.hbase.client.Delete;
import org.apache.hadoop.hbase.client.Increment;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.coprocessor.ObserverContext;
import org.apache.hadoop.hbase.coprocessor.RegionCoprocessor;
import org.apache.hadoop.hbase.coprocessor.RegionCoprocessorEnvironment;
import org.apache.hadoop.hbase.coprocessor.RegionObserver;
import org.apache.hadoop.hbase.regionserver.FlushLifeCycleTracker;
import org.apache.hadoop.hbase.regionserver.Region;
import org.apache.hadoop.hbase.regionserver.ScanOptions;
import org.apache.hadoop.hbase.regionserver.Store;
import org.apache.hadoop.hbase.util.Pair;
import org.apache.hadoop.hbase.wal.WALEdit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The region side of Tandem's consistent cut: refuses writes to a fenced region, counts write
 * operations in flight so arming can drain them, and refuses flushes and bulk loads while a
 * released cut still needs the region's files to show the cut. The cut logic itself lives in the
 * RegionServer's {@link FenceParticipant}.
 *
 * <p>Load it for all user tables with {@code hbase.coprocessor.user.region.classes} (system tables
 * are skipped), or per table. If both apply to a table, the instance from the site configuration
 * stays inert and the table's own (for example a newer jar from HDFS) does the work.
 *
 * <p>Hooks never block and only throw {@link IOException}s (a {@code RegionTooBusyException}
 * for writes, which clients retry by themselves): any other exception would abort the RegionServer.
 */
public final class TandemRegionObserver implements RegionCoprocessor, RegionObserver {
  private static final Logger LOG = LoggerFactory.getLogger(TandemRegionObserver.class);

  /** Region operations that can change data; each is counted in and out around its whole run. */
  private static final Set<Region.Operation> WRITES = EnumSet.of(Region.Operation.PUT, Region.Operation.DELETE,
      Region.Operation.APPEND, Region.Operation.INCREMENT, Region.Operation.BATCH_MUTATE,
      Region.Operation.CHECK_AND_MUTATE);

  private RegionFence fence;
  private FenceParticipant participant;

  @Override
  public Optional<RegionObserver> getRegionObserver() {
    return Optional.of(this);
  }

  @Override
  public void start(CoprocessorEnvironment env) throws IOException {
    if (!(env instanceof RegionCoprocessorEnvironment)) {
      LOG.warn("TandemRegionObserver loaded outside a region ({}); it does nothing there", env.getClass().getName());
      return;
    }
    RegionCoprocessorEnvironment renv = (RegionCoprocessorEnvironment) env;
    Region region = renv.getRegion();
    if (env.getPriority() < Coprocessor.PRIORITY_USER && attachedToTable(region)) {
      LOG.info("TandemRegionObserver from the site configuration stays inert on {}: the table attaches its own",
          region.getRegionInfo().getEncodedName());
      return;
    }
    try {
      RegionFence f = new RegionFence(region);
      FenceParticipant p = FenceParticipant.acquire(renv.getServerName(), env.getConfiguration());
      p.regionOpened(f);
      fence = f;
      participant = p;
    } catch (IOException | RuntimeException e) {
      // Never fail the region open (that would abort the RegionServer): without a participant this
      // region cannot ack, so any cut covering it fails cleanly instead.
      LOG.error("TandemRegionObserver could not join the fence of {}; cuts covering {} will fail",
          renv.getServerName(), region.getRegionInfo().getEncodedName(), e);
    }
  }

  private boolean attachedToTable(Region region) {
    return region.getTableDescriptor().getCoprocessorDescriptors().stream()
        .anyMatch(cd -> cd.getClassName().equals(TandemRegionObserver.class.getName()));
  }

  @Override
  public void stop(CoprocessorEnvironment env) {
    if (participant != null) {
      participant.regionClosed(fence);
      participant.release();
      participant = null;
    }
  }

  @Override
  public void preClose(ObserverContext<RegionCoprocessorEnvironment> c, boolean abortRequested) {
    if (participant != null) {
      participant.regionClosing(fence);
    }
  }

  // ------------------------------------------------------------------ in-flight accounting

  @Override
  public void postStartRegionOperation(ObserverContext<RegionCoprocessorEnvironment> ctx, Region.Operation op) {
    if (fence != null && WRITES.contains(op)) {
      fence.enter();
    }
  }

  @Override
  public void postCloseRegionOperation(ObserverContext<RegionCoprocessorEnvironment> ctx, Region.Operation op) {
    if (fence != null && WRITES.contains(op)) {
      fence.exit();
    }
  }

  // ------------------------------------------------------------------ the fence

  @Override
  public void prePut(ObserverContext<RegionCoprocessorEnvironment> c, Put put, WALEdit edit) throws IOException {
    if (fence != null) {
      fence.checkWrite();
    }
  }

  @Override
  public void preDelete(ObserverContext<RegionCoprocessorEnvironment> c, Delete delete, WALEdit edit)
      throws IOException {
    if (fence != null) {
      fence.checkWrite();
    }
  }

  @Override
  public Result preIncrement(ObserverContext<RegionCoprocessorEnvironment> c, Increment increment)
      throws IOException {
    if (fence != null) {
      fence.checkWrite();
    }
    return RegionObserver.super.preIncrement(c, increment);
  }

  @Override
  public Result preAppend(ObserverContext<RegionCoprocessorEnvironment> c, Append append) throws IOException {
    if (fence != null) {
      fence.checkWrite();
    }
    return RegionObserver.super.preAppend(c, append);
  }

  @Override
  public CheckAndMutateResult preCheckAndMutate(ObserverContext<RegionCoprocessorEnvironment> c,
      CheckAndMutate checkAndMutate, CheckAndMutateResult result) throws IOException {
    if (fence != null) {
      fence.checkWrite();
    }
    return RegionObserver.super.preCheckAndMutate(c, checkAndMutate, result);
  }

  @Override
  public void preBulkLoadHFile(ObserverContext<RegionCoprocessorEnvironment> ctx,
      List<Pair<byte[], String>> familyPaths) throws IOException {
    if (fence != null) {
      // Counted like a write: HBase calls postBulkLoadHFile in a finally block.
      fence.enter();
      try {
        fence.checkBulkLoad();
      } catch (IOException e) {
        fence.exit();
        throw e;
      }
    }
  }

  @Override
  public void postBulkLoadHFile(ObserverContext<RegionCoprocessorEnvironment> ctx,
      List<Pair<byte[], String>> stagingFamilyPaths, Map<byte[], List<Path>> finalPaths) {
    if (fence != null) {
      fence.exit();
    }
  }

  @Override
  public void preFlush(ObserverContext<RegionCoprocessorEnvironment> c, FlushLifeCycleTracker tracker)
      throws IOException {
    if (fence != null && !(tracker instanceof RegionFence.FixPointFlush)) {
      fence.checkFlush();
    }
  }

  /** Runs once the flush has snapshotted the memstore: the fix point of a cut is then taken. */
  @Override
  public void preFlushScannerOpen(ObserverContext<RegionCoprocessorEnvironment> c, Store store,
      ScanOptions options, FlushLifeCycleTracker tracker) {
    if (tracker instanceof RegionFence.FixPointFlush) {
      ((RegionFence.FixPointFlush) tracker).markSnapshotTaken();
    }
  }
}
