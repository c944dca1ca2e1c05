package io.tandem.controller.catalog;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.DistributedFileSystem;

import io.tandem.core.catalog.CutNames;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.error.TandemException;
import io.tandem.core.json.Json;
import io.tandem.core.usersync.UserData;

/**
 * The catalog of restore points, on the secondary's HDFS: {@code <dir>/<service>/<cutId>/manifest.json},
 * the cut's user data beside it ({@code users.json}), and what the last user push sent
 * ({@code <dir>/<service>/users-pushed.json}) and every principal it ever carried
 * ({@code users-seen.json}).
 * It lives with the backups it describes, so it survives the primary and the controller.
 *
 * <p>Invariant: a manifest is replaced atomically (write a temp file, rename over), so a reader
 * sees the old or the new state of a cut, never half of one.
 */
public final class BackupCatalog {
  private final DistributedFileSystem fs;
  private final Path root;

  public BackupCatalog(DistributedFileSystem fs, String dir) {
    this.fs = fs;
    this.root = new Path(dir);
  }

  private Path cutDir(String service, String cutId) {
    return new Path(new Path(root, service), cutId);
  }

  public void put(Manifest m) throws IOException {
    writeAtomically(new Path(cutDir(m.service(), m.cutId()), "manifest.json"), Json.bytes(m));
  }

  public Optional<Manifest> get(String service, String cutId) throws IOException {
    io.tandem.core.policy.PolicyValidator.requireServiceName(service);
    if (cutId == null || !CutNames.isCutId(cutId)) {
      throw io.tandem.core.error.TandemException.invalid("cut id \"" + cutId + "\" is not valid: expected <service>-<yyyyMMdd'T'HHmmssSSS'Z'>");
    }
    Path file = new Path(cutDir(service, cutId), "manifest.json");
    try (InputStream in = fs.open(file)) {
      return Optional.of(Json.read(in.readAllBytes(), Manifest.class, "manifest " + file));
    } catch (FileNotFoundException e) {
      return Optional.empty();
    }
  }

  public Manifest require(String service, String cutId) throws IOException {
    return get(service, cutId).orElseThrow(() -> TandemException.notFound(
        "cut " + cutId + " of service " + service + " is not in the catalog (see 'tandem backup list --service " + service + "')"));
  }

  /** Oldest first. */
  public List<Manifest> list(String service) throws IOException {
    io.tandem.core.policy.PolicyValidator.requireServiceName(service);
    Path dir = new Path(root, service);
    if (!fs.exists(dir)) {
      return List.of();
    }
    List<Manifest> out = new ArrayList<>();
    for (FileStatus st : fs.listStatus(dir)) {
      if (st.isDirectory() && CutNames.isCutId(st.getPath().getName())) {
        get(service, st.getPath().getName()).ifPresent(out::add);
      }
    }
    out.sort(Comparator.comparing(Manifest::moment).thenComparing(Manifest::cutId));
    return out;
  }

  /** Services that have a catalog directory. */
  public List<String> services() throws IOException {
    if (!fs.exists(root)) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (FileStatus st : fs.listStatus(root)) {
      if (st.isDirectory()) {
        out.add(st.getPath().getName());
      }
    }
    out.sort(null);
    return out;
  }

  /** Records the user data a cut carries, beside its manifest. */
  public void putCutUsers(String service, String cutId, UserData users) throws IOException {
    writeAtomically(new Path(cutDir(service, cutId), "users.json"), Json.bytes(users));
  }

  /** The user data recorded with a cut; empty for cuts taken without it. */
  public Optional<UserData> cutUsers(String service, String cutId) throws IOException {
    return readUsers(new Path(cutDir(service, cutId), "users.json"));
  }

  /** What the last successful user push of a service sent. */
  public Optional<UserData> pushedUsers(String service) throws IOException {
    return readUsers(pushedFile(service));
  }

  public void putPushedUsers(String service, UserData users) throws IOException {
    writeAtomically(pushedFile(service), Json.bytes(users));
  }

  /** Forgets the last push, so the next one sends everything (after a restore replaced the secondary's state). */
  public void clearPushedUsers(String service) throws IOException {
    fs.delete(pushedFile(service), false);
  }

  /**
   * Adds {@code principals} to those the primary's user data of the service has ever named and
   * returns the whole set: a principal in it is the primary's even after all its grants were
   * revoked there, so its revoke follows instead of it being taken for a secondary-only one.
   */
  public Set<String> addSeenPrincipals(String service, Set<String> principals) throws IOException {
    Path file = new Path(new Path(root, service), "users-seen.json");
    Set<String> seen = new TreeSet<>();
    try (InputStream in = fs.open(file)) {
      seen.addAll(Json.read(in.readAllBytes(), SeenPrincipals.class, "principals " + file).principals());
    } catch (FileNotFoundException e) {
      // first read of this service's user data
    }
    if (!seen.containsAll(principals)) {
      seen.addAll(principals);
      writeAtomically(file, Json.bytes(new SeenPrincipals(List.copyOf(seen))));
    }
    return seen;
  }

  /** What users-seen.json holds. */
  public record SeenPrincipals(List<String> principals) {
  }

  private Path pushedFile(String service) {
    return new Path(new Path(root, service), "users-pushed.json");
  }

  private Optional<UserData> readUsers(Path file) throws IOException {
    try (InputStream in = fs.open(file)) {
      return Optional.of(Json.read(in.readAllBytes(), UserData.class, "user data " + file));
    } catch (FileNotFoundException e) {
      return Optional.empty();
    }
  }

  private void writeAtomically(Path file, byte[] bytes) throws IOException {
    fs.mkdirs(file.getParent());
    Path tmp = new Path(file.getParent(), "." + file.getName() + ".tmp");
    FSDataOutputStream out = fs.create(tmp, true);
    try {
      out.write(bytes);
      out.hsync();
    } catch (IOException e) {
      // Not try-with-resources: a failed stream's close() rethrows the very exception hsync()
      // threw, and adding an exception to itself as suppressed throws IllegalArgumentException.
      try {
        out.close();
      } catch (IOException again) {
        if (again != e) {
          e.addSuppressed(again);
        }
      }
      throw e;
    }
    out.close();
    fs.rename(tmp, file, Options.Rename.OVERWRITE);
  }

  // ---------------------------------------------------------------- restore drills

  private Path drillDir(String service) {
    io.tandem.core.policy.PolicyValidator.requireServiceName(service);
    return new Path(new Path(root, service), "drills");
  }

  /** Records (or replaces) a drill: {@code <dir>/<service>/drills/<drillId>.json}, atomically. */
  public void putDrill(io.tandem.controller.drill.DrillRecord d) throws IOException {
    writeAtomically(new Path(drillDir(d.service()), d.drillId() + ".json"), Json.bytes(d));
  }

  /** The drills of a service, newest first. */
  public List<io.tandem.controller.drill.DrillRecord> drills(String service) throws IOException {
    Path dir = drillDir(service);
    List<io.tandem.controller.drill.DrillRecord> out = new ArrayList<>();
    FileStatus[] files;
    try {
      files = fs.listStatus(dir);
    } catch (FileNotFoundException e) {
      return out;
    }
    for (FileStatus st : files) {
      String name = st.getPath().getName();
      if (st.isFile() && name.endsWith(".json") && !name.startsWith(".")) {
        try (InputStream in = fs.open(st.getPath())) {
          out.add(Json.read(in.readAllBytes(), io.tandem.controller.drill.DrillRecord.class, "drill " + st.getPath()));
        } catch (FileNotFoundException gone) {
          // removed by a concurrent trim
        }
      }
    }
    out.sort(Comparator.comparing(io.tandem.controller.drill.DrillRecord::startedAt)
        .thenComparing(io.tandem.controller.drill.DrillRecord::drillId).reversed());
    return out;
  }

  /** The newest drill of a service (drill ids sort by their start), reading only its record. */
  public Optional<io.tandem.controller.drill.DrillRecord> lastDrill(String service) throws IOException {
    FileStatus[] files;
    try {
      files = fs.listStatus(drillDir(service));
    } catch (FileNotFoundException e) {
      return Optional.empty();
    }
    Path newest = null;
    for (FileStatus st : files) {
      String name = st.getPath().getName();
      if (st.isFile() && name.endsWith(".json") && !name.startsWith(".")
          && (newest == null || name.compareTo(newest.getName()) > 0)) {
        newest = st.getPath();
      }
    }
    if (newest == null) {
      return Optional.empty();
    }
    try (InputStream in = fs.open(newest)) {
      return Optional.of(Json.read(in.readAllBytes(), io.tandem.controller.drill.DrillRecord.class, "drill " + newest));
    } catch (FileNotFoundException gone) {
      return Optional.empty();
    }
  }

  public void deleteDrill(String service, String drillId) throws IOException {
    fs.delete(new Path(drillDir(service), drillId + ".json"), false);
  }

  public void delete(String service, String cutId) throws IOException {
    fs.delete(cutDir(service, cutId), true);
  }
}
