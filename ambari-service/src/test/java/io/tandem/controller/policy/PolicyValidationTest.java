package io.tandem.controller.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.NamespaceDescriptor;
import org.apache.hadoop.hbase.client.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerFixture;
import io.tandem.core.error.PolicyInvalidException;
import io.tandem.core.error.TandemException;
import io.tandem.core.policy.Policy;
import io.tandem.core.policy.PolicySpec;
import io.tandem.core.policy.TransferMode;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * Policy validation against the live primary: every error names its culprit, and a policy with
 * any error leaves the store exactly as it was. Each test uses its own services and data.
 */
@ExtendWith(TwoClusters.class)
class PolicyValidationTest {
  /** Everything this class creates on the primary lives under these. */
  private static final String NS = "pvns";
  private static final String DIR = "/data/pv";

  private static ControllerContext ctx;
  private static PolicyService policies;

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    ctx = ControllerFixture.open(c, "/policyvalidation");
    policies = ctx.policies();
    ControllerFixture.table(c.primary(), NS, "orders");
    ControllerFixture.table(c.primary(), NS, "items");
    try (Admin admin = c.primary().getConnection().getAdmin()) {
      admin.createNamespace(NamespaceDescriptor.create("pvempty").build());
    }
    FileSystem fs = c.primary().getTestFileSystem();
    for (String d : List.of("a", "b", "c", "a/sub", "shared", "happy", "happy2")) {
      fs.mkdirs(new Path(DIR + "/" + d));
    }
    ControllerFixture.file(fs, DIR + "/plain-file", 10, 1);
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (ctx != null) {
      ctx.close();
    }
  }

  private static PolicySpec spec(String service, List<String> datasets, List<String> schedules, String mode) {
    return new PolicySpec(service, datasets, schedules, mode, null, null, null, null, null);
  }

  private static PolicySpec spec(String service, String... datasets) {
    return spec(service, List.of(datasets), List.of("every:1h"), null);
  }

  /**
   * Runs {@code call}, which must fail with a TandemException of {@code kind}, and checks that
   * the store holds exactly what it held before.
   */
  private static TandemException refused(TandemException.Kind kind, Executable call) {
    List<PolicySpec> before = storedSpecs();
    TandemException e = assertThrows(TandemException.class, call);
    assertEquals(kind, e.kind(), () -> "kind of: " + e.getMessage());
    assertEquals(before, storedSpecs(), "nothing stored or changed by a refused request");
    assertFalse(e.getMessage().contains("\n"), "one line for the admin: " + e.getMessage());
    return e;
  }

  private static List<PolicySpec> storedSpecs() {
    return policies.list().stream().map(Policy::toSpec).toList();
  }

  private static void assertMentions(String message, String... parts) {
    for (String p : parts) {
      assertTrue(message.contains(p), () -> "\"" + p + "\" missing from: " + message);
    }
  }

  // --- errors the live primary reveals ---------------------------------------------------

  @Test
  void missingTableIsNamedWithItsCluster() {
    TandemException e = refused(TandemException.Kind.INVALID,
        () -> policies.create(spec("pvmisstable", "hbase:" + NS + ":nosuch", "hdfs:" + DIR + "/a")));
    assertMentions(e.getMessage(), "pvmisstable", NS + ":nosuch", "does not exist", "primary");
    assertEquals(1, ((PolicyInvalidException) e).problems().size(), "only the table is wrong");
    assertFalse(policies.delete("pvmisstable", true));
  }

  @Test
  void missingNamespaceIsNamed() {
    TandemException e = refused(TandemException.Kind.INVALID,
        () -> policies.create(spec("pvmissns", "hbase:pvnosuchns:*")));
    assertMentions(e.getMessage(), "namespace pvnosuchns", "does not exist", "primary");
  }

  @Test
  void missingDirectoryIsNamed() {
    TandemException e = refused(TandemException.Kind.INVALID,
        () -> policies.create(spec("pvmissdir", "hdfs:" + DIR + "/nosuch")));
    assertMentions(e.getMessage(), "directory " + DIR + "/nosuch", "does not exist", "primary");
  }

  @Test
  void fileWhereADirectoryIsExpectedIsNamed() {
    TandemException e = refused(TandemException.Kind.INVALID,
        () -> policies.create(spec("pvfile", "hdfs:" + DIR + "/plain-file")));
    assertMentions(e.getMessage(), DIR + "/plain-file", "is a file, not a directory", "primary");
  }

  @Test
  void dataSetOfAnotherServiceIsRefusedNamingBothServices() {
    policies.create(spec("pvowner", "hdfs:" + DIR + "/a", "hbase:" + NS + ":orders"));

    TandemException nested = refused(TandemException.Kind.CONFLICT,
        () -> policies.create(spec("pvintruder", "hdfs:" + DIR + "/a/sub")));
    assertMentions(nested.getMessage(), "pvintruder", "pvowner", "hdfs:" + DIR + "/a/sub", "hdfs:" + DIR + "/a");

    TandemException viaNamespace = refused(TandemException.Kind.CONFLICT,
        () -> policies.create(spec("pvintruder", "hbase:" + NS + ":*")));
    assertMentions(viaNamespace.getMessage(), "pvintruder", "pvowner", "hbase:" + NS + ":orders");

    // An update may not grab another service's data either.
    policies.create(spec("pvneighbour", "hdfs:" + DIR + "/b"));
    TandemException update = refused(TandemException.Kind.CONFLICT,
        () -> policies.update(spec("pvneighbour", "hdfs:" + DIR + "/b", "hbase:" + NS + ":orders")));
    assertMentions(update.getMessage(), "pvneighbour", "pvowner");
    assertEquals(List.of("hdfs:" + DIR + "/b"), policies.get("pvneighbour").toSpec().datasets());

    assertTrue(policies.delete("pvowner", false));
    assertTrue(policies.delete("pvneighbour", false));
  }

  // --- errors in the policy itself ---------------------------------------------------------

  @Test
  void badCronNamesTheField() {
    TandemException e = refused(TandemException.Kind.INVALID,
        () -> policies.create(spec("pvcron", List.of("hdfs:" + DIR + "/c"), List.of("cron:0 25 * * *"), null)));
    assertMentions(e.getMessage(), "pvcron", "0 25 * * *", "hour field \"25\"", "0-23");
  }

  @Test
  void badScheduleFormSaysWhatIsAccepted() {
    TandemException e = refused(TandemException.Kind.INVALID,
        () -> policies.create(spec("pvsched", List.of("hdfs:" + DIR + "/c"), List.of("hourly"), null)));
    assertMentions(e.getMessage(), "\"hourly\"", "once:", "every:", "cron:");

    TandemException tooOften = refused(TandemException.Kind.INVALID,
        () -> policies.create(spec("pvsched", List.of("hdfs:" + DIR + "/c"), List.of("every:10s"), null)));
    assertMentions(tooOften.getMessage(), "every:10s", "minute");

    TandemException past = refused(TandemException.Kind.INVALID,
        () -> policies.create(spec("pvsched", List.of("hdfs:" + DIR + "/c"), List.of("once:2001-01-01T00:00:00Z"), null)));
    assertMentions(past.getMessage(), "once:2001-01-01T00:00:00Z", "past");
  }

  @Test
  void unknownModeIsNamed() {
    TandemException e = refused(TandemException.Kind.INVALID,
        () -> policies.create(spec("pvmode", List.of("hdfs:" + DIR + "/c"), List.of("every:1h"), "sideways")));
    assertMentions(e.getMessage(), "\"sideways\"", "push or pull");
  }

  @Test
  void secondCreateOfAServiceIsAConflict() {
    policies.create(spec("pvdup", "hdfs:" + DIR + "/c"));
    Policy stored = policies.get("pvdup");

    TandemException e = refused(TandemException.Kind.CONFLICT, () -> policies.create(spec("pvdup", "hdfs:" + DIR + "/c")));
    assertMentions(e.getMessage(), "pvdup", "already has a policy", "update");
    assertEquals(stored, policies.get("pvdup"));
    assertTrue(policies.delete("pvdup", false));
  }

  @Test
  void updateOfAnUnknownServiceIsNotFound() {
    TandemException e = refused(TandemException.Kind.NOT_FOUND,
        () -> policies.update(spec("pvghost", "hdfs:" + DIR + "/c")));
    assertMentions(e.getMessage(), "pvghost", "has no policy", "create");
    TandemException show = refused(TandemException.Kind.NOT_FOUND, () -> policies.get("pvghost"));
    assertMentions(show.getMessage(), "pvghost");
    assertFalse(policies.delete("pvghost", false));
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    PolicySpec bad = new PolicySpec("pvmany", List.of("hdfs:relative/path", "hbase:" + NS + ":orders"),
        List.of("cron:* * * *", "every:5x"), "sideways", 0, -5L, List.of("bad user!"), null, null);
    TandemException e = refused(TandemException.Kind.INVALID, () -> policies.create(bad));
    PolicyInvalidException invalid = assertInstanceOf(PolicyInvalidException.class, e);
    assertEquals(7, invalid.problems().size(), () -> "problems: " + invalid.problems());
    assertMentions(e.getMessage(), "relative/path", "cron", "every:5x", "sideways", "retain", "rpoSeconds",
        "bad user!");

    // A well-formed policy naming several things the primary lacks lists each of them.
    TandemException live = refused(TandemException.Kind.INVALID, () -> policies.create(spec("pvmany",
        "hbase:" + NS + ":nosuch1", "hbase:pvnosuchns:*", "hdfs:" + DIR + "/nosuch", "hdfs:" + DIR + "/plain-file",
        "hbase:" + NS + ":items")));
    PolicyInvalidException liveInvalid = assertInstanceOf(PolicyInvalidException.class, live);
    assertEquals(4, liveInvalid.problems().size(), () -> "problems: " + liveInvalid.problems());
    assertMentions(live.getMessage(), NS + ":nosuch1", "pvnosuchns", DIR + "/nosuch", DIR + "/plain-file");
    assertFalse(live.getMessage().contains(NS + ":items"), "the table that exists is not a problem");
  }

  // --- happy paths -------------------------------------------------------------------------

  @Test
  void createListShowUpdateDelete() {
    PolicySpec given = new PolicySpec("pvhappy", List.of("hdfs:" + DIR + "/happy/", "hbase:" + NS + ":items"),
        List.of("every:30m", "cron:0 2 * * *"), "pull", 4, null, List.of("alice"), List.of("billing"), null);
    Instant before = Instant.now();
    Policy created = policies.create(given);
    assertEquals("pvhappy", created.service());
    assertEquals(TransferMode.PULL, created.mode());
    assertEquals(4, created.retain());
    assertEquals(3600, created.rpoSeconds(), "twice the shortest interval");
    assertFalse(created.createdAt().isBefore(before));
    assertEquals(List.of("hdfs:" + DIR + "/happy", "hbase:" + NS + ":items"), created.toSpec().datasets(),
        "stored in canonical form");

    assertEquals(created, policies.get("pvhappy"), "show returns what create stored");
    assertTrue(policies.list().contains(created), "listed");
    Policy second = policies.create(spec("pvhappy2", "hdfs:" + DIR + "/happy2"));
    List<String> names = policies.list().stream().map(Policy::service).toList();
    assertTrue(names.indexOf("pvhappy") < names.indexOf("pvhappy2"), "listed by name: " + names);

    // Update: new data sets, schedule and mode; the creation time is the original one.
    Policy updated = policies.update(new PolicySpec("pvhappy", List.of("hdfs:" + DIR + "/happy"),
        List.of("every:2h"), "push", 2, 900L, null, null, null));
    assertEquals(created.createdAt(), updated.createdAt(), "update keeps createdAt");
    assertEquals(updated, policies.get("pvhappy"));
    assertEquals(TransferMode.PUSH, updated.mode());
    assertEquals(900, updated.rpoSeconds());
    assertEquals(List.of("hdfs:" + DIR + "/happy"), updated.toSpec().datasets());
    assertNotEquals(created, updated);

    // Delete: a dry run changes nothing; a real one removes exactly that policy.
    List<PolicySpec> stored = storedSpecs();
    assertTrue(policies.delete("pvhappy", true));
    assertEquals(stored, storedSpecs());
    assertEquals(updated, policies.get("pvhappy"));
    assertFalse(policies.delete("pvnone", true), "a dry run of deleting nothing says so");

    assertTrue(policies.delete("pvhappy", false));
    assertFalse(policies.delete("pvhappy", false), "already gone");
    assertEquals(TandemException.Kind.NOT_FOUND,
        assertThrows(TandemException.class, () -> policies.get("pvhappy")).kind());
    assertEquals(List.of(second), policies.list().stream().filter(p -> p.service().startsWith("pvhappy")).toList());

    // Its data sets are free again for another service.
    policies.create(spec("pvheir", "hdfs:" + DIR + "/happy"));
    assertTrue(policies.delete("pvheir", false));
    assertTrue(policies.delete("pvhappy2", false));
  }

  @Test
  void emptyNamespaceIsAValidDataSet() {
    Policy p = policies.create(spec("pvemptyns", "hbase:pvempty:*"));
    assertEquals(p, policies.get("pvemptyns"));
    assertTrue(policies.delete("pvemptyns", false));
  }
}
