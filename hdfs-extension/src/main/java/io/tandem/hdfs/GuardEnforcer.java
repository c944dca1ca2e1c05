package io.tandem.hdfs;

import org.apache.hadoop.fs.permission.FsAction;
import org.apache.hadoop.hdfs.server.namenode.INode;
import org.apache.hadoop.hdfs.server.namenode.INodeAttributeProvider.AccessControlEnforcer;
import org.apache.hadoop.hdfs.server.namenode.INodeAttributeProvider.AuthorizationContext;
import org.apache.hadoop.hdfs.server.namenode.INodeAttributes;
import org.apache.hadoop.security.AccessControlException;
import org.apache.hadoop.security.UserGroupInformation;

import io.tandem.core.identity.GuardView;

/**
 * The identity guard's check in front of the NameNode's permission check: while this cluster does
 * not hold the primary role, a check that asks to write a protected directory (WRITE in the
 * access, parent, ancestor or sub-tree access, or an owner check: setPermission, setOwner, setAcl,
 * setXAttr, snapshots) is refused with {@link AccessControlException}, whose one-line message
 * names the path. So is a rename or delete of an ancestor of a protected directory. Then the
 * wrapped enforcer (HDFS's own, or the chained provider's) decides as usual.
 *
 * <p>Before its guard's first read it refuses writes to the directories the guard remembers
 * protecting, saying the identity record has not been read yet.
 *
 * <p>What it cannot see: a stream opened before a refusal keeps allocating blocks and closing
 * without a permission check; the guard ends such writes itself on demotion.
 *
 * <p>It runs under the namesystem lock: one volatile read, and a few string comparisons when
 * something is protected; no I/O.
 *
 * <p>Who never reaches it: HDFS superusers (the NameNode's user and the supergroup;
 * {@code FSDirectory.checkPermission} returns before calling any enforcer), users listed in
 * {@code dfs.namenode.inode.attributes.provider.bypass.users}, and every operation when
 * {@code dfs.permissions.enabled=false}. Users in {@code tandem.guard.bypass.users} reach it and pass.
 */
final class GuardEnforcer implements AccessControlEnforcer {
  private final IdentityGuard guard;
  private final AccessControlEnforcer next;

  GuardEnforcer(IdentityGuard guard, AccessControlEnforcer next) {
    this.guard = guard;
    this.next = next;
  }

  @Override
  public void checkPermission(String fsOwner, String supergroup, UserGroupInformation callerUgi,
      INodeAttributes[] inodeAttrs, INode[] inodes, byte[][] pathByNameArr, int snapshotId, String path,
      int ancestorIndex, boolean doCheckOwner, FsAction ancestorAccess, FsAction parentAccess, FsAction access,
      FsAction subAccess, boolean ignoreEmptyDir) throws AccessControlException {
    check(guard, callerUgi, path, doCheckOwner, ancestorAccess, parentAccess, access, subAccess);
    next.checkPermission(fsOwner, supergroup, callerUgi, inodeAttrs, inodes, pathByNameArr, snapshotId, path,
        ancestorIndex, doCheckOwner, ancestorAccess, parentAccess, access, subAccess, ignoreEmptyDir);
  }

  /** Declared here (not inherited) so the NameNode uses this richer call; see FSDirectory.setINodeAttributeProvider. */
  @Override
  public void checkPermissionWithContext(AuthorizationContext ctx) throws AccessControlException {
    check(guard, ctx.getCallerUgi(), ctx.getPath(), ctx.isDoCheckOwner(), ctx.getAncestorAccess(),
        ctx.getParentAccess(), ctx.getAccess(), ctx.getSubAccess());
    next.checkPermissionWithContext(ctx);
  }

  static void check(IdentityGuard guard, UserGroupInformation caller, String path, boolean doCheckOwner,
      FsAction ancestorAccess, FsAction parentAccess, FsAction access, FsAction subAccess)
      throws AccessControlException {
    GuardView v = guard.view();
    if (v.refusesNothing() || path == null) {
      return;
    }
    boolean refuse;
    if (v.protectsPath(path)) {
      refuse = doCheckOwner || writes(ancestorAccess) || writes(parentAccess) || writes(access) || writes(subAccess);
    } else {
      // WRITE on the parent or the sub-tree of an existing path means removing or moving it (delete, rename).
      refuse = (writes(parentAccess) || writes(subAccess)) && v.isAncestorOfProtected(path);
    }
    if (!refuse || (caller != null && guard.bypasses(caller.getShortUserName()))) {
      return;
    }
    throw refusal(guard.hasRead() ? v.refusal(path) : guard.notReadYet(path));
  }

  /**
   * The NameNode sends the client its exception stringified, stack trace included; without one the
   * client's message is just our sentence. (A subclass could skip filling the trace in, but the
   * client rebuilds only the exact class AccessControlException.)
   */
  private static AccessControlException refusal(String message) {
    AccessControlException e = new AccessControlException(message);
    e.setStackTrace(new StackTraceElement[0]);
    return e;
  }

  private static boolean writes(FsAction a) {
    return a != null && a.implies(FsAction.WRITE);
  }
}
