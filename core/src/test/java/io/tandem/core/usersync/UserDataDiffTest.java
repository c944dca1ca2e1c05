package io.tandem.core.usersync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.tandem.core.json.Json;
import io.tandem.core.usersync.Difference.Fix;
import io.tandem.core.usersync.Difference.Kind;

class UserDataDiffTest {
  private static final String T = Grant.tableScope("ledger:entries", null, null);
  private static final String NS = Grant.namespaceScope("ledger");

  private static UserData data(List<Grant> grants, List<PathAttrs> paths) {
    return new UserData("ledger", "c", Instant.EPOCH, Map.of(), grants, paths, List.of());
  }

  private static PathAttrs dir(String rel, String owner, String perm, String... acl) {
    return new PathAttrs("/ledger", rel, owner, "ledger", perm, List.of(acl));
  }

  private static Set<String> lines(List<Difference> diffs) {
    return diffs.stream().map(d -> d.kind() + " " + d.fix() + " " + d.object() + " " + d.primary() + "|" + d.secondary())
        .collect(Collectors.toSet());
  }

  @Test
  void actionsAreCanonicalAndChecked() {
    assertEquals("RWA", new Grant("a", T, "AWR").actions());
    assertThrows(IllegalArgumentException.class, () -> new Grant("a", T, "RZ"));
    assertTrue(Grant.covers("RW", "R"));
    assertTrue(!Grant.covers("R", "RW"));
  }

  @Test
  void identicalDataHasNoDifferences() {
    UserData a = data(List.of(new Grant("alice", T, "R")), List.of(dir("", "alice", "0750", "user:carol:r-x")));
    assertEquals(List.of(), UserDataDiff.reconcile(a, a, Set.of(), false));
    assertEquals(List.of(), UserDataDiff.push(a, a));
  }

  @Test
  void reconcileListsExactlyTheDifferencesAndNarrowsWiderGrants() {
    UserData p = data(List.of(new Grant("alice", T, "R"), new Grant("@auditors", NS, "R"), new Grant("bob", T, "RW")),
        List.of(dir("", "alice", "0750", "user:carol:r-x"), dir("x", "alice", "0640")));
    UserData s = data(List.of(new Grant("alice", T, "RW"), new Grant("bob", NS, "R"), new Grant("bob", T, "RW")),
        List.of(dir("", "bob", "0755"), dir("x", "alice", "0640", "user:bob:rw-")));
    Set<String> got = lines(UserDataDiff.reconcile(p, s, Set.of(), false));
    assertEquals(Set.of(
        "GRANT APPLY table=ledger:entries alice R|RW",
        "GRANT APPLY namespace=ledger @auditors R|-",
        "GRANT REVOKE namespace=ledger bob -|R",
        "OWNER APPLY /ledger alice|bob",
        "PERMISSION APPLY /ledger 0750|0755",
        "ACL APPLY /ledger user:carol:r-x|-",
        "ACL APPLY /ledger/x -|user:bob:rw-"), got);
  }

  @Test
  void principalsOnlyOnTheSecondaryAreReportedUnlessRemovalIsAsked() {
    UserData p = data(List.of(new Grant("alice", T, "R")), List.of(dir("", "alice", "0750")));
    UserData s = data(List.of(new Grant("alice", T, "R"), new Grant("eve", T, "RW")),
        List.of(dir("", "alice", "0750", "user:eve:rwx")));
    List<Difference> kept = UserDataDiff.reconcile(p, s, Set.of(), false);
    assertEquals(Set.of("EXTRA_GRANT REPORT table=ledger:entries eve -|RW", "EXTRA_ACL REPORT /ledger -|user:eve:rwx"),
        lines(kept));
    List<Difference> removed = UserDataDiff.reconcile(p, s, Set.of(), true);
    assertEquals(Set.of("EXTRA_GRANT REVOKE table=ledger:entries eve -|RW", "ACL APPLY /ledger -|user:eve:rwx"),
        lines(removed));
    Difference acl = removed.stream().filter(d -> d.kind() == Kind.ACL).findFirst().orElseThrow();
    assertEquals(List.of(), acl.target().acl());
  }

  @Test
  void aPrincipalRevokedOnThePrimaryIsRevokedNotReportedAsExtra() {
    UserData p = data(List.of(new Grant("alice", T, "R")), List.of());
    UserData s = data(List.of(new Grant("alice", T, "R"), new Grant("analyst", T, "R")), List.of());
    assertEquals(Set.of("EXTRA_GRANT REPORT table=ledger:entries analyst -|R"),
        lines(UserDataDiff.reconcile(p, s, Set.of(), false)), "never seen on the primary: only on the secondary");
    assertEquals(Set.of("GRANT REVOKE table=ledger:entries analyst -|R"),
        lines(UserDataDiff.reconcile(p, s, Set.of("analyst"), false)), "seen on the primary before: its revoke follows");
  }

  @Test
  void applyingReconcileNeverGivesMoreThanThePrimary() {
    UserData p = data(List.of(new Grant("alice", T, "R"), new Grant("bob", T, "W")), List.of());
    UserData s = data(List.of(new Grant("alice", T, "RWXCA"), new Grant("bob", T, "R")), List.of());
    for (Difference d : UserDataDiff.reconcile(p, s, Set.of(), false)) {
      if (d.fix() == Fix.APPLY) {
        Grant src = p.grants().stream().filter(g -> g.key().equals(d.grant().key())).findFirst().orElseThrow();
        assertTrue(Grant.covers(src.actions(), d.grant().actions()), d.text());
      }
    }
  }

  @Test
  void pathsAndRootsMissingOnTheSecondaryAreReportedNotApplied() {
    UserData p = data(List.of(), List.of(dir("", "alice", "0750"), dir("new", "alice", "0750")));
    UserData s = data(List.of(), List.of(dir("", "alice", "0750")));
    assertEquals(Set.of("PATH_MISSING REPORT /ledger/new present|absent"), lines(UserDataDiff.reconcile(p, s, Set.of(), false)));
    UserData gone = new UserData("ledger", "c", Instant.EPOCH, Map.of(), List.of(), List.of(), List.of("/ledger"));
    assertEquals(Set.of("PATH_MISSING REPORT /ledger present|absent"), lines(UserDataDiff.reconcile(p, gone, Set.of(), false)));
  }

  @Test
  void declaredUsersWithOtherGroupsAreReported() {
    UserData p = new UserData("ledger", "a", null, Map.of("alice", List.of("ledger", "auditors")), List.of(), List.of(), List.of());
    UserData s = new UserData("ledger", "b", null, Map.of("alice", List.of("ledger")), List.of(), List.of(), List.of());
    assertEquals(Set.of("USER_GROUPS REPORT user alice auditors,ledger|ledger"), lines(UserDataDiff.reconcile(p, s, Set.of(), false)));
  }

  @Test
  void pushSendsChangesSinceTheLastPushIncludingRevokes() {
    UserData first = data(List.of(new Grant("alice", T, "R"), new Grant("bob", T, "RW")), List.of(dir("", "alice", "0750")));
    assertEquals(Set.of("GRANT APPLY table=ledger:entries alice R|-", "GRANT APPLY table=ledger:entries bob RW|-",
        "PATH_ATTRS APPLY /ledger alice:ledger 0750|-"), lines(UserDataDiff.push(first, UserData.empty("ledger", "c"))));
    UserData second = data(List.of(new Grant("alice", T, "RW")), List.of(dir("", "carol", "0750", "group:auditors:r-x")));
    assertEquals(Set.of("GRANT APPLY table=ledger:entries alice RW|R", "GRANT REVOKE table=ledger:entries bob -|RW",
        "OWNER APPLY /ledger carol|alice", "ACL APPLY /ledger group:auditors:r-x|-"), lines(UserDataDiff.push(second, first)));
  }

  @Test
  void principalsIncludeOwnersGroupsAndNamedAclEntries() {
    UserData d = data(List.of(new Grant("@ops", NS, "A")), List.of(dir("", "alice", "0750", "default:user:bob:r-x",
        "group:auditors:r--", "group::r-x")));
    assertEquals(Set.of("@ops", "alice", "@ledger", "bob", "@auditors"), d.principals());
  }

  @Test
  void userDataRoundTripsThroughJson() {
    UserData d = new UserData("ledger", "primary", Instant.parse("2026-11-25T10:00:00Z"), Map.of("alice", List.of("g")),
        List.of(new Grant("alice", T, "R")), List.of(dir("", "alice", "1750", "user:carol:r-x")), List.of("/gone"));
    assertEquals(d, Json.read(Json.bytes(d), UserData.class, "test"));
    assertEquals(new UserData.Summary(1, 1, 1, 1), d.summary());
  }
}
