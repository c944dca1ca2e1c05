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
  private StatusReport() {
  }

  public static Map<String, Object> build(ControllerContext ctx, HealthProbe health, boolean active,
      Instant startedAt, String host) throws IOException {
    Instant now = ctx.clock().instant();
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("controller", Map.of("host", host, "active", active, "startedAt", startedAt.toString()));

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
    doc.put("clusters", clusters);
    doc.put("primaryFaulty", primaryFaulty);

    Map<String, CutProgress> running = ctx.backups().running();
    List<Map<String, Object>> services = new ArrayList<>();
    long nextCutEstimate = 0;
    for (Policy p : ctx.policies().list()) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("service", p.service());
      s.put("rpoSeconds", p.rpoSeconds());
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
        lc.put("id", lastCut.cutId());
        lc.put("state", lastCut.state().name());
        lc.put("moment", lastCut.moment().toString());
        lc.put("finishedAt", lastCut.finishedAt() == null ? null : lastCut.finishedAt().toString());
        lc.put("fenceWindowMs", lastCut.fenceWindowMs());
        lc.put("consistent", lastCut.consistent());
        lc.put("reason", lastCut.reason());
        s.put("lastCut", lc);
        nextCutEstimate += lastCut.bytesCopied();
      } else {
        s.put("lastCut", null);
      }
      s.put("newestCompleteAgeSeconds", newestComplete == null ? null
          : Duration.between(newestComplete.moment(), now).toSeconds());
      CutProgress r = running.get(p.service());
      if (r != null) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("cutId", r.cutId());
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
        s.put("running", run);
      } else {
        s.put("running", null);
      }
      services.add(s);
    }
    doc.put("services", services);
    Map<String, Object> cap = new LinkedHashMap<>();
    cap.put("freeBytes", secondaryFree);
    cap.put("nextCutEstimateBytes", nextCutEstimate);
    doc.put("secondaryCapacity", cap);
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
    doc.put("tasks", tasks);
    return doc;
  }
}
