package io.tandem.controller.status;

import java.time.Instant;
import java.util.List;

/**
 * The last probe of one cluster as the status endpoint reports it.
 *
 * @param faultySince when consecutive failed probes first reached the threshold; null while healthy
 */
public record ClusterHealth(String name, String role, boolean healthy, Instant checkedAt,
    Instant faultySince, int consecutiveFailures, List<String> problems, Long freeBytes) {
}
