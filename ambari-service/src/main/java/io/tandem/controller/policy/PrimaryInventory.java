package io.tandem.controller.policy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.NamespaceNotFoundException;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;

import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.core.error.TandemException;
import io.tandem.core.policy.DataSet;
import io.tandem.core.policy.Policy;

/**
 * What the live primary actually holds: whether a policy's tables, namespaces and directories
 * exist, and which tables a namespace data set stands for at the moment of a cut.
 */
public final class PrimaryInventory {
  private final ClusterConnection primary;

  public PrimaryInventory(ClusterConnection primary) {
    this.primary = primary;
  }

  /** Every data set of the policy missing on the primary, each as an admin-readable problem. */
  public List<String> missing(Policy policy) {
    List<String> problems = new ArrayList<>();
    try (Admin admin = primary.hbase().getAdmin()) {
      for (DataSet ds : policy.dataSets()) {
        switch (ds.kind()) {
          case HBASE_TABLE -> {
            if (!admin.tableExists(TableName.valueOf(ds.tableName()))) {
              problems.add("table " + ds.tableName() + " does not exist on " + primary.name() + " cluster");
            }
          }
          case HBASE_NAMESPACE -> {
            try {
              admin.getNamespaceDescriptor(ds.namespace());
            } catch (NamespaceNotFoundException e) {
              problems.add("namespace " + ds.namespace() + " does not exist on " + primary.name() + " cluster");
            }
          }
          case HDFS_DIR -> {
            Path p = new Path(ds.path());
            if (!primary.fs().exists(p)) {
              problems.add("directory " + ds.path() + " does not exist on " + primary.name() + " cluster");
            } else {
              FileStatus st = primary.fs().getFileStatus(p);
              if (!st.isDirectory()) {
                problems.add(ds.path() + " on " + primary.name() + " cluster is a file, not a directory");
              }
            }
          }
          default -> throw new IllegalStateException(ds.kind().toString());
        }
      }
    } catch (IOException e) {
      throw TandemException.unavailable("could not check the policy's data sets on " + primary.name()
          + " cluster: " + e.getMessage(), e);
    }
    return problems;
  }

  /** Tables ({@code ns:qualifier}) the policy covers now: listed tables plus namespaces' tables. */
  public List<String> tables(Policy policy) throws IOException {
    List<String> out = new ArrayList<>();
    try (Admin admin = primary.hbase().getAdmin()) {
      for (DataSet ds : policy.dataSets()) {
        if (ds.kind() == DataSet.Kind.HBASE_TABLE) {
          out.add(ds.tableName());
        } else if (ds.kind() == DataSet.Kind.HBASE_NAMESPACE) {
          for (TableName t : admin.listTableNamesByNamespace(ds.namespace())) {
            out.add(t.getNameAsString().contains(":") ? t.getNameAsString() : ds.namespace() + ":" + t.getNameAsString());
          }
        }
      }
    }
    return out.stream().distinct().sorted().toList();
  }
}
