package io.tandem.controller.usersync;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.permission.AclEntry;
import org.apache.hadoop.fs.permission.AclEntryScope;
import org.apache.hadoop.fs.permission.AclEntryType;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.DistributedFileSystem;

import io.tandem.core.config.TandemKeys;
import io.tandem.core.error.TandemException;
import io.tandem.core.usersync.PathAttrs;

/**
 * Reads and writes the owner, group, permission and ACL of every path below an HDFS data set.
 * Reading a snapshot ({@code dir/.snapshot/s}) gives the attributes as they were at the cut.
 */
final class HdfsAttributes {
  private HdfsAttributes() {
  }

  /**
   * Every path below {@code base} (itself included), reported relative to it under {@code root}.
   *
   * @return null if {@code base} does not exist
   * @throws TandemException INVALID if there are more than {@code maxPaths}
   */
  static List<PathAttrs> read(DistributedFileSystem fs, String root, Path base, int maxPaths) throws IOException {
    FileStatus top;
    try {
      top = fs.getFileStatus(base);
    } catch (FileNotFoundException e) {
      return null;
    }
    List<PathAttrs> out = new ArrayList<>();
    out.add(attrs(fs, root, "", top));
    Deque<Path> dirs = new ArrayDeque<>();
    if (top.isDirectory()) {
      dirs.add(base);
    }
    String prefix = base.toUri().getPath();
    while (!dirs.isEmpty()) {
      RemoteIterator<FileStatus> it = fs.listStatusIterator(dirs.poll());
      while (it.hasNext()) {
        FileStatus st = it.next();
        if (out.size() >= maxPaths) {
          throw TandemException.invalid("data set " + root + " has more than " + maxPaths
              + " paths; raise " + TandemKeys.USERS_MAX_PATHS.name() + " to read its user data");
        }
        String rel = st.getPath().toUri().getPath().substring(prefix.length() + 1);
        out.add(attrs(fs, root, rel, st));
        if (st.isDirectory()) {
          dirs.add(st.getPath());
        }
      }
    }
    return out;
  }

  private static PathAttrs attrs(DistributedFileSystem fs, String root, String rel, FileStatus st) throws IOException {
    List<String> acl = List.of();
    if (st.hasAcl()) {
      acl = fs.getAclStatus(st.getPath()).getEntries().stream().map(AclEntry::toStringStable).toList();
    }
    return new PathAttrs(root, rel, st.getOwner(), st.getGroup(), octal(st.getPermission()), acl);
  }

  static String octal(FsPermission p) {
    return String.format("%04o", p.toShort() & 01777);
  }

  /** Sets owner and group. */
  static void setOwner(DistributedFileSystem fs, PathAttrs target) throws IOException {
    fs.setOwner(new Path(target.absolute()), target.owner(), target.group());
  }

  /**
   * Sets the permission bits and the ACL to exactly the target's: a minimal ACL is removed, an
   * extended one replaced whole (its base entries from the permission bits, the group bits being
   * the mask).
   */
  static void setPermissionAndAcl(DistributedFileSystem fs, PathAttrs target) throws IOException {
    Path p = new Path(target.absolute());
    FsPermission perm = new FsPermission(Short.parseShort(target.permission(), 8));
    if (target.acl().isEmpty()) {
      fs.removeAcl(p);
      fs.setPermission(p, perm);
      return;
    }
    List<AclEntry> spec = new ArrayList<>(AclEntry.parseAclSpec(String.join(",", target.acl()), true));
    spec.add(base(AclEntryType.USER, perm.getUserAction()));
    spec.add(base(AclEntryType.MASK, perm.getGroupAction()));
    spec.add(base(AclEntryType.OTHER, perm.getOtherAction()));
    if (spec.stream().noneMatch(e -> e.getScope() == AclEntryScope.ACCESS && e.getType() == AclEntryType.GROUP
        && e.getName() == null)) {
      spec.add(base(AclEntryType.GROUP, perm.getGroupAction()));
    }
    fs.setAcl(p, spec);
    // setAcl keeps the sticky bit as it was; the mask it set equals the group bits.
    fs.setPermission(p, perm);
  }

  private static AclEntry base(AclEntryType type, org.apache.hadoop.fs.permission.FsAction action) {
    return new AclEntry.Builder().setScope(AclEntryScope.ACCESS).setType(type).setPermission(action).build();
  }
}
