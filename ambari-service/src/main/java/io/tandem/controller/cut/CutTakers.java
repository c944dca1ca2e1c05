package io.tandem.controller.cut;

import org.apache.curator.framework.CuratorFramework;

import io.tandem.controller.TandemConf;
import io.tandem.controller.cluster.ClusterConnection;

/** Chooses the {@link CutTaker} the controller uses. */
public final class CutTakers {
  private CutTakers() {
  }

  public static CutTaker forConf(TandemConf conf, ClusterConnection primary, CuratorFramework controllerZk) {
    return new SequentialCutTaker(primary);
  }
}
