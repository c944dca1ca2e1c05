/**
 * When backup policies fire.
 *
 * <p>{@link io.tandem.core.schedule.Schedule} is the value a policy stores: a one-off instant, a fixed
 * interval anchored at the policy's creation, or a {@link io.tandem.core.schedule.CronExpression}. Both
 * have a one-line text form used in configuration and the CLI, and both evaluate in UTC so that a
 * schedule fires at the same moment on every cluster, whatever the hosts' time zones.
 */
package io.tandem.core.schedule;
