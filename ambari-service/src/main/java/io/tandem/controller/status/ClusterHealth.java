package io.tandem.controller.status;

import java.time.Instant;
import java.util.List;

/**
 * The last probe of one cluster as the status endpoint reports it.
 *
 * @param faultySince when consecutive failed probes first reached the threshold; null while healthy
 * @param skewMs      the cluster's clock minus the controller's, from an HDFS modification time
 *                    (bounded by the round trip); null when it could not be measured
 */
public record ClusterHealth(String name, String role, boolean healthy, Instant checkedAt,
    Instant faultySince, int consecutiveFailures, List<String> problems, Long freeBytes, Long skewMs) {
}
