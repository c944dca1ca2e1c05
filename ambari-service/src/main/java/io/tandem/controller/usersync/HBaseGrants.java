package io.tandem.controller.usersync;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.security.SecurityCapability;
import org.apache.hadoop.hbase.security.access.GetUserPermissionsRequest;
import org.apache.hadoop.hbase.security.access.NamespacePermission;
import org.apache.hadoop.hbase.security.access.Permission;
import org.apache.hadoop.hbase.security.access.TablePermission;
import org.apache.hadoop.hbase.security.access.UserPermission;
import org.apache.hadoop.hbase.util.Bytes;

import io.tandem.core.usersync.Grant;

/**
 * Reads and writes HBase grants through the AccessController's admin calls, translating between
 * HBase's {@link UserPermission} and Tandem's {@link Grant}. A cluster without authorization has
 * no grants to read and refuses to take any.
 */
final class HBaseGrants {
  private HBaseGrants() {
  }

  /** True if the cluster runs the AccessController (hbase.security.authorization). */
  static boolean authorizationOn(Admin admin) throws IOException {
    return admin.getSecurityCapabilities().contains(SecurityCapability.AUTHORIZATION);
  }

  /** Namespace-scope grants of {@code namespaces} and table-scope grants (with family/qualifier) of {@code tables}. */
  static List<Grant> read(Admin admin, Collection<String> namespaces, Collection<String> tables) throws IOException {
    List<Grant> out = new ArrayList<>();
    for (String ns : new TreeSet<>(namespaces)) {
      for (UserPermission up : admin.getUserPermissions(GetUserPermissionsRequest.newBuilder(ns).build())) {
        if (up.getPermission() instanceof NamespacePermission) {
          out.add(new Grant(up.getUser(), Grant.namespaceScope(ns), actions(up.getPermission())));
        }
      }
    }
    for (String t : new TreeSet<>(tables)) {
      TableName tn = TableName.valueOf(t);
      for (UserPermission up : admin.getUserPermissions(GetUserPermissionsRequest.newBuilder(tn).build())) {
        if (up.getPermission() instanceof TablePermission tp) {
          String family = tp.hasFamily() ? Bytes.toStringBinary(tp.getFamily()) : null;
          String qualifier = tp.hasQualifier() ? Bytes.toStringBinary(tp.getQualifier()) : null;
          out.add(new Grant(up.getUser(), Grant.tableScope(tn.getNameWithNamespaceInclAsString(), family, qualifier),
              actions(tp)));
        }
      }
    }
    return out;
  }

  /** Makes {@code g} the principal's exact permission at its scope (replacing what was there). */
  static void grant(Admin admin, Grant g) throws IOException {
    admin.grant(new UserPermission(g.principal(), permission(g.scope(), g.actions())), false);
  }

  /** Takes away {@code g}'s actions at its scope. */
  static void revoke(Admin admin, Grant g) throws IOException {
    admin.revoke(new UserPermission(g.principal(), permission(g.scope(), g.actions())));
  }

  private static String actions(Permission p) {
    StringBuilder sb = new StringBuilder();
    for (Permission.Action a : p.getActions()) {
      sb.append((char) a.code());
    }
    return Grant.canonicalActions(sb.toString());
  }

  static Permission permission(String scope, String actions) {
    byte[] codes = Bytes.toBytes(actions);
    if (scope.startsWith("namespace=")) {
      return Permission.newBuilder(scope.substring("namespace=".length())).withActionCodes(codes).build();
    }
    if (!scope.startsWith("table=")) {
      throw new IllegalArgumentException("not a grant scope: " + scope);
    }
    String rest = scope.substring("table=".length());
    String qualifier = null;
    String family = null;
    int q = rest.indexOf(",qualifier=");
    if (q >= 0) {
      qualifier = rest.substring(q + ",qualifier=".length());
      rest = rest.substring(0, q);
    }
    int f = rest.indexOf(",family=");
    if (f >= 0) {
      family = rest.substring(f + ",family=".length());
      rest = rest.substring(0, f);
    }
    Permission.Builder b = Permission.newBuilder(TableName.valueOf(rest));
    if (family != null) {
      b.withFamily(Bytes.toBytesBinary(family));
    }
    if (qualifier != null) {
      b.withQualifier(Bytes.toBytesBinary(qualifier));
    }
    return b.withActionCodes(codes).build();
  }
}
