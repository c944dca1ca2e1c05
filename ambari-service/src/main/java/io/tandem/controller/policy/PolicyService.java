package io.tandem.controller.policy;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.tandem.core.error.PolicyInvalidException;
import io.tandem.core.error.TandemException;
import io.tandem.core.policy.Policy;
import io.tandem.core.policy.PolicySpec;
import io.tandem.core.policy.PolicyValidator;

/**
 * Policy CRUD as the CLI, the REST API and Ambari's config see it: validate (syntax, the live
 * primary, other services' policies), then store. Nothing is stored when anything is invalid.
 */
public final class PolicyService {
  private final PolicyStore store;
  private final PolicyValidator validator;
  private final PrimaryInventory inventory;
  private final Clock clock;
  private volatile Runnable onChange = () -> { };

  public PolicyService(PolicyStore store, PolicyValidator validator, PrimaryInventory inventory, Clock clock) {
    this.store = store;
    this.validator = validator;
    this.inventory = inventory;
    this.clock = clock;
  }

  /** Called after every stored change (create, update, delete); e.g. to republish protected sets. */
  public void setOnChange(Runnable onChange) {
    this.onChange = onChange == null ? () -> { } : onChange;
  }

  /** Validates without storing; the policy as it would be stored. */
  public Policy check(PolicySpec spec, boolean isUpdate) {
    Policy policy = validator.validate(spec, clock.instant());
    Optional<PolicyStore.Versioned> existing = store.get(policy.service());
    if (!isUpdate && existing.isPresent()) {
      throw TandemException.conflict("service " + policy.service() + " already has a policy: use 'tandem policy update' to change it");
    }
    if (isUpdate && existing.isEmpty()) {
      throw TandemException.notFound("service " + policy.service() + " has no policy: use 'tandem policy create'");
    }
    List<String> missing = inventory.missing(policy);
    if (!missing.isEmpty()) {
      throw new PolicyInvalidException(policy.service(), missing);
    }
    PolicyValidator.checkNoOverlap(policy, others(policy.service()));
    return policy;
  }

  public Policy create(PolicySpec spec) {
    Policy policy = check(spec, false);
    store.create(policy.toSpec());
    onChange.run();
    return policy;
  }

  /** Keeps the original creation time, so interval schedules keep their anchor. */
  public Policy update(PolicySpec spec) {
    PolicyStore.Versioned existing = store.get(spec.service()).orElseThrow(() ->
        TandemException.notFound("service " + spec.service() + " has no policy: use 'tandem policy create'"));
    PolicySpec anchored = new PolicySpec(spec.service(), spec.datasets(), spec.schedules(), spec.mode(),
        spec.retain(), spec.rpoSeconds(), spec.users(), spec.groups(),
        spec.createdAt() != null ? spec.createdAt() : existing.spec().createdAt());
    Policy policy = check(anchored, true);
    store.update(policy.toSpec(), existing.version());
    onChange.run();
    return policy;
  }

  /** Create or update, as Ambari's declared policies are applied. */
  public Policy apply(PolicySpec spec) {
    return store.get(spec.service()).isPresent() ? update(spec) : create(spec);
  }

  public Policy get(String service) {
    PolicyStore.Versioned v = store.get(service).orElseThrow(() ->
        TandemException.notFound("service " + service + " has no policy (see 'tandem policy list')"));
    return validator.validate(v.spec(), clock.instant());
  }

  public List<Policy> list() {
    List<Policy> out = new ArrayList<>();
    for (PolicySpec s : store.list()) {
      out.add(validator.validate(s, clock.instant()));
    }
    return out;
  }

  /** @return false if there was none */
  public boolean delete(String service, boolean dryRun) {
    if (dryRun) {
      return store.get(service).isPresent();
    }
    boolean deleted = store.delete(service);
    if (deleted) {
      onChange.run();
    }
    return deleted;
  }

  private List<Policy> others(String service) {
    return list().stream().filter(p -> !p.service().equals(service)).toList();
  }
}
