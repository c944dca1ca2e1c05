package io.tandem.core.policy;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A policy as an admin writes it (JSON/YAML file, REST body, Ambari property): plain strings,
 * not yet validated. {@link PolicyValidator} turns it into a {@link Policy} or says every
 * thing that is wrong with it.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PolicySpec(
    String service,
    List<String> datasets,
    List<String> schedules,
    String mode,
    Integer retain,
    Long rpoSeconds,
    List<String> users,
    List<String> groups,
    String createdAt) {
}
