package io.tandem.controller.drift;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

import io.tandem.core.usersync.Difference;

/** The few lines per service {@code tandem drift} prints (its {@code --json} prints the report itself). */
public final class DriftText {
  /** Paths or differences named on one line; the JSON report lists up to {@link DriftReport#LISTED}. */
  private static final int NAMED = 3;

  private DriftText() {
  }

  public static void print(DriftReport r, PrintWriter out) {
    if (r.error() != null) {
      out.println(r.service() + ": NOT COMPUTED: " + r.error());
      return;
    }
    DriftReport.Cut c = r.cut();
    out.println(r.service() + ": " + (r.drift() ? "DRIFT" : "no drift") + " beyond "
        + (c == null ? "(no COMPLETE cut yet)" : "cut " + c.cutId() + " (age " + age(c.ageSeconds())
            + "; " + r.secondary() + (c.replicaAtCut() ? " holds it)" : " does NOT hold it: "
            + String.join("; ", c.replicaProblems()) + ")")));
    List<String> primaryOnly = new ArrayList<>();
    List<String> secondaryOnly = new ArrayList<>();
    List<String> changed = new ArrayList<>();
    List<String> split = new ArrayList<>();
    for (DriftReport.TableDrift t : r.tables()) {
      if (t.presence().equals("primary only")) {
        primaryOnly.add(t.table());
      } else if (t.presence().equals("secondary only")) {
        secondaryOnly.add(t.table());
      }
      if (Boolean.TRUE.equals(t.changedSinceCut())) {
        changed.add(t.table());
      }
      if (Boolean.TRUE.equals(t.boundariesDifferFromCut())) {
        split.add(t.table() + " (" + t.cutRegions() + " -> " + t.primaryRegions() + " regions)");
      }
    }
    out.println("  tables: " + r.tables().size() + "; primary only: " + names(primaryOnly) + "; secondary only: "
        + names(secondaryOnly) + "; changed since cut: " + names(changed) + "; regions differ: " + names(split));
    for (DriftReport.DirDrift d : r.dirs()) {
      if (d.note() != null) {
        out.println("  files " + d.path() + ": " + d.note());
      } else {
        out.println("  files " + d.path() + ": " + d.added() + " added, " + d.removed() + " removed, " + d.modified()
            + " modified, " + d.renamed() + " renamed" + (d.paths().isEmpty() ? "" : ": " + names(d.paths(),
                d.paths().size() + d.more())));
      }
    }
    DriftReport.UserDrift u = r.users();
    List<String> diffs = u.differences().stream().map(DriftText::brief).toList();
    out.println("  users: " + u.count() + " differences " + u.byKind() + (diffs.isEmpty() ? "" : ": " + names(diffs))
        + (u.notLiveOnSecondary().isEmpty() ? "" : "; not live on the secondary (not drift): "
            + String.join(", ", u.notLiveOnSecondary())));
  }

  private static String brief(Difference d) {
    return d.kind() + " " + d.object() + " (primary " + d.primary() + ", secondary " + d.secondary() + ")";
  }

  /** Up to {@link #NAMED} items, then "and K more"; "-" for none. */
  private static String names(List<String> items) {
    return names(items, items.size());
  }

  /** As {@link #names(List)}, of {@code total} items of which {@code items} are the first. */
  private static String names(List<String> items, int total) {
    if (items.isEmpty()) {
      return "-";
    }
    int shown = Math.min(NAMED, items.size());
    String text = String.join("; ", items.subList(0, shown));
    return total > shown ? text + " and " + (total - shown) + " more" : text;
  }

  private static String age(long seconds) {
    if (seconds < 120) {
      return seconds + "s";
    }
    if (seconds < 7200) {
      return seconds / 60 + "m";
    }
    return seconds / 3600 + "h" + (seconds % 3600) / 60 + "m";
  }
}
