package io.tandem.hbase;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.CoprocessorEnvironment;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Append;
import org.apache.hadoop.hbase.client.CheckAndMutate;
import org.apache.hadoop.hbase.client.CheckAndMutateResult;
import org.apache.hadoop.hbase.client.Delete;
import org.apache.hadoop.hbase.client.Increment;
import org.apache.hadoop.hbase.client.Mutation;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.coprocessor.ObserverContext;
import org.apache.hadoop.hbase.coprocessor.RegionCoprocessor;
import org.apache.hadoop.hbase.coprocessor.RegionCoprocessorEnvironment;
import org.apache.hadoop.hbase.coprocessor.RegionObserver;
import org.apache.hadoop.hbase.regionserver.MiniBatchOperationInProgress;
import org.apache.hadoop.hbase.security.User;
import org.apache.hadoop.hbase.util.Pair;
import org.apache.hadoop.hbase.wal.WALEdit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.core.identity.GuardView;

/**
 * The region side of Tandem's identity guard: on a cluster that does not hold the primary role
 * (per the identity record in the controller's ZooKeeper, followed by the RegionServer's
 * {@link IdentityGuard}), application writes to protected tables are refused with
 * {@link NotPrimaryException}, which clients do not retry. Users listed in
 * {@code tandem.guard.bypass.users} (Tandem's own) are never refused.
 *
 * <p>Hooks (those HBase 2.6 calls on the write paths):
 * <ul>
 *   <li>{@code prePut}, {@code preDelete}, {@code preIncrement}, {@code preAppend} (the WALEdit
 *       variants the host calls): every mutation, single or batched, mutateRow, and the mutations
 *       inside a check-and-mutate, passes one of them, outside the region's locks;</li>
 *   <li>{@code preCheckAndMutate}: refuses a check-and-put/delete/mutate before its read (the
 *       deprecated {@code preCheckAndPut}/{@code preCheckAndDelete} are only reached through its
 *       default, which this observer replaces);</li>
 *   <li>{@code preBatchMutate}/{@code postBatchMutateIndispensably}: the last check, under the row
 *       locks, and the count of admitted writes that a demotion drains before its ack;</li>
 *   <li>{@code preBulkLoadHFile}/{@code postBulkLoadHFile}: the same for bulk loads.</li>
 * </ul>
 * Hooks never block and only throw {@link IOException}s. Until the RegionServer's guard has read
 * the identity record once, every write to a user table is refused ("Tandem guard has not read the
 * identity record yet ..."): it cannot yet tell which tables are protected.
 *
 * <p>Load it for all user tables with {@code hbase.coprocessor.user.region.classes} (comma-separated,
 * next to the fence observer); system tables are never guarded.
 */
public final class TandemGuardObserver implements RegionCoprocessor, RegionObserver {
  private static final Logger LOG = LoggerFactory.getLogger(TandemGuardObserver.class);

  private IdentityGuard guard;
  private String namespace;
  /** {@code namespace:qualifier}, the form {@code ProtectedSets} lists tables in. */
  private String qualifiedName;
  /** What the refusal names: the table as HBase prints it. */
  private String displayName;

  @Override
  public Optional<RegionObserver> getRegionObserver() {
    return Optional.of(this);
  }

  @Override
  public void start(CoprocessorEnvironment env) throws IOException {
    if (!(env instanceof RegionCoprocessorEnvironment)) {
      LOG.warn("TandemGuardObserver loaded outside a region ({}); it does nothing there", env.getClass().getName());
      return;
    }
    RegionCoprocessorEnvironment renv = (RegionCoprocessorEnvironment) env;
    TableName table = renv.getRegionInfo().getTable();
    if (table.isSystemTable()) {
      return;
    }
    namespace = table.getNamespaceAsString();
    qualifiedName = namespace + ":" + table.getQualifierAsString();
    displayName = table.getNameAsString();
    try {
      guard = IdentityGuard.acquire(renv.getServerName(), env.getConfiguration());
    } catch (RuntimeException e) {
      // A broken guard configuration must not abort the RegionServer; say so loudly instead.
      LOG.error("TandemGuardObserver: identity guard of {} is misconfigured; {} is NOT guarded",
          renv.getServerName(), displayName, e);
    }
  }

  @Override
  public void stop(CoprocessorEnvironment env) {
    IdentityGuard g = guard;
    guard = null;
    if (g != null) {
      g.release();
    }
  }

  // ------------------------------------------------------------------ per-mutation hooks

  @Override
  public void prePut(ObserverContext<RegionCoprocessorEnvironment> c, Put put, WALEdit edit) throws IOException {
    check(c);
  }

  @Override
  public void preDelete(ObserverContext<RegionCoprocessorEnvironment> c, Delete delete, WALEdit edit)
      throws IOException {
    check(c);
  }

  @Override
  public Result preIncrement(ObserverContext<RegionCoprocessorEnvironment> c, Increment increment, WALEdit edit)
      throws IOException {
    check(c);
    return RegionObserver.super.preIncrement(c, increment, edit);
  }

  @Override
  public Result preAppend(ObserverContext<RegionCoprocessorEnvironment> c, Append append, WALEdit edit)
      throws IOException {
    check(c);
    return RegionObserver.super.preAppend(c, append, edit);
  }

  @Override
  public CheckAndMutateResult preCheckAndMutate(ObserverContext<RegionCoprocessorEnvironment> c,
      CheckAndMutate checkAndMutate, CheckAndMutateResult result) throws IOException {
    check(c);
    return RegionObserver.super.preCheckAndMutate(c, checkAndMutate, result);
  }

  // ------------------------------------------------------------------ admitted writes

  @Override
  public void preBatchMutate(ObserverContext<RegionCoprocessorEnvironment> c,
      MiniBatchOperationInProgress<Mutation> miniBatchOp) throws IOException {
    admit(c, IdentityGuard.BATCH);
  }

  @Override
  public void postBatchMutateIndispensably(ObserverContext<RegionCoprocessorEnvironment> c,
      MiniBatchOperationInProgress<Mutation> miniBatchOp, boolean success) {
    IdentityGuard g = guard;
    if (g != null) {
      g.exitIfEntered(IdentityGuard.BATCH);
    }
  }

  @Override
  public void preBulkLoadHFile(ObserverContext<RegionCoprocessorEnvironment> c, List<Pair<byte[], String>> familyPaths)
      throws IOException {
    admit(c, IdentityGuard.BULK_LOAD);
  }

  @Override
  public void postBulkLoadHFile(ObserverContext<RegionCoprocessorEnvironment> c,
      List<Pair<byte[], String>> stagingFamilyPaths, Map<byte[], List<Path>> finalPaths) {
    IdentityGuard g = guard;
    if (g != null) {
      g.exitIfEntered(IdentityGuard.BULK_LOAD);
    }
  }

  // ------------------------------------------------------------------ the rule

  /** Refuses a write the view in force does not allow. One volatile read when nothing is refused. */
  private void check(ObserverContext<RegionCoprocessorEnvironment> c) throws IOException {
    IdentityGuard g = guard;
    if (g == null) {
      return;
    }
    GuardView v = g.view();
    if (v.refusesNothing() || !v.protectsTable(namespace, qualifiedName)) {
      return;
    }
    refuse(c, g, v);
  }

  /** As {@link #check}, and counts an allowed write to a protected table until its post hook. */
  private void admit(ObserverContext<RegionCoprocessorEnvironment> c, int slot) throws IOException {
    IdentityGuard g = guard;
    if (g == null) {
      return;
    }
    GuardView v = g.view();
    if (!v.protectsTable(namespace, qualifiedName)) {
      return;
    }
    if (v.allowsProtectedWrites()) {
      v = g.enter(v, slot);
      if (v == null) {
        return;
      }
    }
    refuse(c, g, v);
  }

  private void refuse(ObserverContext<RegionCoprocessorEnvironment> c, IdentityGuard g, GuardView v)
      throws NotPrimaryException {
    Optional<User> caller = c.getCaller();
    if (caller.isEmpty() || g.bypasses(caller.get().getShortName())) {
      // No caller: the server's own work (no RPC), never an application's write.
      return;
    }
    String message;
    try {
      message = v.state() == GuardView.State.UNKNOWN ? g.notReadYet(displayName) : v.refusal(displayName);
    } catch (RuntimeException e) {
      // Only IOExceptions may leave a hook; the refusal stands even if its sentence cannot be built.
      message = "cluster " + v.cluster() + " refuses writes to " + displayName + " (" + v.state() + ")";
    }
    throw new NotPrimaryException(message);
  }
}
