package io.tandem.controller.status;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.backup.CutProgress;
import io.tandem.controller.ship.CopyProgress;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.policy.Policy;

/**
 * Builds the status document of {@code GET /api/v1/status} (the Ambari alerts read it): the
 * controller, each cluster's health and role, and per service its last cut, the age of its
 * newest COMPLETE cut against its RPO, and the progress of a running cut.
 */
public final class StatusReport {
  // Keys the alerts read; the fixtures of their tests are checked against these lists.
  public static final String CONTROLLER = "controller";
  public static final String CLUSTERS = "clusters";
  public static final String PRIMARY_FAULTY = "primaryFaulty";
  public static final String SERVICES = "services";
  public static final String SECONDARY_CAPACITY = "secondaryCapacity";
  public static final String TASKS = "tasks";
  /** Every key of the document's top level, each always written. */
  public static final List<String> KEYS =
      List.of(CONTROLLER, CLUSTERS, PRIMARY_FAULTY, SERVICES, SECONDARY_CAPACITY, TASKS);

  public static final String SERVICE = "service";
  public static final String RPO_SECONDS = "rpoSeconds";
  public static final String LAST_CUT = "lastCut";
  public static final String NEWEST_COMPLETE_AGE_SECONDS = "newestCompleteAgeSeconds";
  public static final String RUNNING = "running";
  /** The service's restore drills: {@link #DRILL_KEYS}. */
  public static final String DRILL = "drill";
  /** Every key of an entry of {@link #SERVICES}, each always written. */
  public static final List<String> SERVICE_KEYS =
      List.of(SERVICE, RPO_SECONDS, LAST_CUT, NEWEST_COMPLETE_AGE_SECONDS, RUNNING, DRILL);

  /** Hours between scheduled drills of the service; 0 when the schedule does not drill it. */
  public static final String DRILL_INTERVAL_HOURS = "intervalHours";
  /** The newest drill ({@link #LAST_DRILL_KEYS}), or null. */
  public static final String DRILL_LAST = "last";
  /** Every key of a service's {@link #DRILL}, each always written. */
  public static final List<String> DRILL_KEYS = List.of(DRILL_INTERVAL_HOURS, DRILL_LAST);
  public static final String DRILL_ID = "drillId";
  public static final String DRILL_STATE = "state";
  public static final String DRILL_CUT_ID = "cutId";
  public static final String DRILL_STARTED_AT = "startedAt";
  public static final String DRILL_AGE_SECONDS = "ageSeconds";
  public static final String DRILL_DURATION_MS = "durationMs";
  public static final String DRILL_REASON = "reason";
  /** Every key of a service's {@link #DRILL_LAST}, each always written. */
  public static final List<String> LAST_DRILL_KEYS = List.of(DRILL_ID, DRILL_STATE, DRILL_CUT_ID, DRILL_STARTED_AT,
      DRILL_AGE_SECONDS, DRILL_DURATION_MS, DRILL_REASON);

  public static final String CUT_ID = "id";
  public static final String CUT_STATE = "state";
  public static final String CUT_MOMENT = "moment";
  public static final String CUT_FINISHED_AT = "finishedAt";
  public static final String CUT_FENCE_WINDOW_MS = "fenceWindowMs";
  public static final String CUT_CONSISTENT = "consistent";
  public static final String CUT_REASON = "reason";
  /** Every key of a service's {@link #LAST_CUT}, each always written. */
  public static final List<String> LAST_CUT_KEYS = List.of(CUT_ID, CUT_STATE, CUT_MOMENT, CUT_FINISHED_AT,
      CUT_FENCE_WINDOW_MS, CUT_CONSISTENT, CUT_REASON);

  /** Id of the cut a service is {@link #RUNNING}. */
  public static final String RUNNING_CUT_ID = "cutId";

  private StatusReport() {
  }

  private static Map<String, Object> drill(ControllerContext ctx, String service, Instant now) throws IOException {
    io.tandem.controller.drill.DrillService drills = ctx.drills();
    Map<String, Object> d = new LinkedHashMap<>();
    d.put(DRILL_INTERVAL_HOURS, drills.scheduled(service) ? drills.intervalHours() : 0L);
    io.tandem.controller.drill.DrillRecord last = drills.last(service).orElse(null);
    if (last == null) {
      d.put(DRILL_LAST, null);
      return d;
    }
    Map<String, Object> l = new LinkedHashMap<>();
    l.put(DRILL_ID, last.drillId());
    l.put(DRILL_STATE, last.state().name());
    l.put(DRILL_CUT_ID, last.cutId());
    l.put(DRILL_STARTED_AT, last.startedAt().toString());
    l.put(DRILL_AGE_SECONDS, Duration.between(last.startedAt(), now).toSeconds());
    l.put(DRILL_DURATION_MS, last.durationMs());
    l.put(DRILL_REASON, last.reason());
    d.put(DRILL_LAST, l);
    return d;
  }

  public static Map<String, Object> build(ControllerContext ctx, HealthProbe health, boolean active,
      Instant startedAt, String host) throws IOException {
    Instant now = ctx.clock().instant();
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put(CONTROLLER, Map.of("host", host, "active", active, "startedAt", startedAt.toString()));

    List<Map<String, Object>> clusters = new ArrayList<>();
    boolean primaryFaulty = false;
    Long secondaryFree = null;
    for (ClusterHealth h : health.last().values().stream().sorted((a, b) -> a.name().compareTo(b.name())).toList()) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("name", h.name());
      c.put("role", h.role());
      c.put("healthy", h.healthy());
      c.put("epoch", ctx.identity().require().record().epoch());
      c.put("skewMs", h.skewMs());
      c.put("checkedAt", h.checkedAt().toString());
      c.put("faultySince", h.faultySince() == null ? null : h.faultySince().toString());
      c.put("problems", h.problems());
      clusters.add(c);
      if ("PRIMARY".equals(h.role()) && h.faultySince() != null) {
        primaryFaulty = true;
      }
      if ("SECONDARY".equals(h.role())) {
        secondaryFree = h.freeBytes();
      }
    }
    doc.put(CLUSTERS, clusters);
    doc.put(PRIMARY_FAULTY, primaryFaulty);

    Map<String, CutProgress> running = ctx.backups().running();
    List<Map<String, Object>> services = new ArrayList<>();
    long nextCutEstimate = 0;
    for (Policy p : ctx.policies().list()) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put(SERVICE, p.service());
      s.put(RPO_SECONDS, p.rpoSeconds());
      List<Manifest> cuts = ctx.catalog().list(p.service());
      Manifest lastCut = cuts.isEmpty() ? null : cuts.get(cuts.size() - 1);
      Manifest newestComplete = null;
      for (Manifest m : cuts) {
        if (m.state() == CutState.COMPLETE) {
          newestComplete = m;
        }
      }
      if (lastCut != null) {
        Map<String, Object> lc = new LinkedHashMap<>();
        lc.put(CUT_ID, lastCut.cutId());
        lc.put(CUT_STATE, lastCut.state().name());
        lc.put(CUT_MOMENT, lastCut.moment().toString());
        lc.put(CUT_FINISHED_AT, lastCut.finishedAt() == null ? null : lastCut.finishedAt().toString());
        lc.put(CUT_FENCE_WINDOW_MS, lastCut.fenceWindowMs());
        lc.put(CUT_CONSISTENT, lastCut.consistent());
        lc.put(CUT_REASON, lastCut.reason());
        s.put(LAST_CUT, lc);
        nextCutEstimate += lastCut.bytesCopied();
      } else {
        s.put(LAST_CUT, null);
      }
      s.put(NEWEST_COMPLETE_AGE_SECONDS, newestComplete == null ? null
          : Duration.between(newestComplete.moment(), now).toSeconds());
      CutProgress r = running.get(p.service());
      if (r != null) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put(RUNNING_CUT_ID, r.cutId());
        run.put("phase", r.phase().name());
        CopyProgress cp = r.copy();
        if (cp != null) {
          run.put("bytesDone", cp.bytesDone());
          run.put("bytesTotal", cp.bytesTotal());
          run.put("filesDone", cp.filesDone());
          run.put("filesTotal", cp.filesTotal());
          run.put("rateBytesPerSec", cp.rateBytesPerSec());
          run.put("etaSeconds", cp.etaSeconds());
        }
        s.put(RUNNING, run);
      } else {
        s.put(RUNNING, null);
      }
      s.put(DRILL, drill(ctx, p.service(), now));
      services.add(s);
    }
    doc.put(SERVICES, services);
    Map<String, Object> cap = new LinkedHashMap<>();
    cap.put("freeBytes", secondaryFree);
    cap.put("nextCutEstimateBytes", nextCutEstimate);
    doc.put(SECONDARY_CAPACITY, cap);
    List<Map<String, Object>> tasks = new ArrayList<>();
    for (PeriodicTasks.Stats t : health.tasks().stats().values()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", t.name());
      m.put("runs", t.runs());
      m.put("failures", t.failures());
      m.put("lastSuccessAt", t.lastSuccessAt() == null ? null : t.lastSuccessAt().toString());
      m.put("lastFailureAt", t.lastFailureAt() == null ? null : t.lastFailureAt().toString());
      m.put("lastError", t.lastError());
      tasks.add(m);
    }
    doc.put(TASKS, tasks);
    return doc;
  }
}
