package io.tandem.controller.fault;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.core.policy.Policy;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * The fault-injection suite (issue #11, item 7) on real clusters, in a JVM of its own (failsafe):
 * the cut and restore cases of {@link CutFaults} first, then the switch and guard cases of
 * {@link SwitchFaults}, one test method per fault, all on one pair of clusters (started once:
 * the suite must fit in 10 minutes on 2 cores) and one controller whose ZooKeeper sessions last
 * {@value FaultEnv#SESSION_MS} ms. Each case appends a line to {@code target/fault/report.txt}:
 * what happened, how long recovery took, whether {@code tandem gc} was needed, what was left.
 */
@ExtendWith(TwoClusters.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultInjectionIT extends SwitchFaults {

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    env = new FaultEnv(c, "faults");
    setUpSwitchCases();
  }

  /**
   * A cut case's service is done with after its case: its policy goes (its cuts stay in the
   * catalog), so a planned switch's final cuts and restores cover only the switch cases' service.
   */
  @AfterEach
  void afterCase() {
    env.ctx.backups().setAfterShipHook(null);
    for (Policy p : env.ctx.policies().list()) {
      if (!p.service().equals(SWITCH_SERVICE)) {
        env.ctx.policies().delete(p.service(), false);
      }
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (env != null) {
      env.close();
    }
  }
}
