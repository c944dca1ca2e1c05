package io.tandem.controller.usersync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;

import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.security.access.NamespacePermission;
import org.apache.hadoop.hbase.security.access.Permission;
import org.apache.hadoop.hbase.security.access.TablePermission;
import org.apache.hadoop.hbase.util.Bytes;
import org.junit.jupiter.api.Test;

import io.tandem.core.usersync.Grant;

/** Scopes written by {@link Grant} turn back into the HBase permissions they came from. */
class HBaseGrantsTest {

  @Test
  void namespaceScope() {
    Permission p = HBaseGrants.permission(Grant.namespaceScope("billing"), "RW");
    NamespacePermission np = (NamespacePermission) p;
    assertEquals("billing", np.getNamespace());
    assertEquals(Set.of(Permission.Action.READ, Permission.Action.WRITE), Set.of(np.getActions()));
  }

  @Test
  void tableFamilyAndQualifierScopes() {
    TablePermission t = (TablePermission) HBaseGrants.permission(Grant.tableScope("billing:orders", null, null), "A");
    assertEquals(TableName.valueOf("billing", "orders"), t.getTableName());
    assertEquals(false, t.hasFamily());
    TablePermission q = (TablePermission) HBaseGrants.permission(
        Grant.tableScope("billing:orders", "f", Bytes.toStringBinary(new byte[] {'a', ',', 0x01})), "R");
    assertArrayEquals(Bytes.toBytes("f"), q.getFamily());
    assertArrayEquals(new byte[] {'a', ',', 0x01}, q.getQualifier(), "binary qualifiers survive, commas too");
  }

  @Test
  void anUnknownScopeIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> HBaseGrants.permission("global", "R"));
  }
}
