package io.tandem.controller.cut;

import io.tandem.controller.TandemConf;
import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.error.TandemException;

/** Chooses the {@link CutTaker} the controller uses ({@code tandem.cut.method}). */
public final class CutTakers {
  private CutTakers() {
  }

  public static CutTaker forConf(TandemConf conf, ClusterConnection primary, ClusterConnection secondary) {
    String method = conf.get(TandemKeys.CUT_METHOD);
    return switch (method) {
      case "fenced" -> new FencedCutTaker(primary, secondary, FencedCutTaker.Settings.from(conf.raw()));
      case "sequential" -> new SequentialCutTaker(primary);
      default -> throw TandemException.invalid(TandemKeys.CUT_METHOD.name() + "=\"" + method
          + "\" is not a cut method: use fenced or sequential");
    };
  }
}
