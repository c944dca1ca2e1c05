package io.tandem.controller.policy;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
  private static final Logger LOG = LoggerFactory.getLogger(PolicyService.class);
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

  /**
   * Makes the stored policies match the declared ones (tandem.policies): creates the new ones,
   * updates the changed ones, deletes stored ones the set does not name only when
   * {@code deleteMissing}. Everything is validated first, each created or updated policy also
   * against the live primary, and each against the set as it will be (so a data set may move
   * from one declared service to another): if any declared policy is invalid, nothing is
   * stored and the report lists every rejected policy with its reason.
   *
   * <p>Not atomic against a concurrent writer: an update loses a compare-and-set race with a
   * CONFLICT (callers hold a lock across controllers, see ControllerDaemon#reloadConfig).
   */
  public DeclaredPolicies.Report applyDeclared(List<DeclaredPolicies.Entry> declared, boolean deleteMissing) {
    Instant now = clock.instant();
    Map<String, PolicyStore.Versioned> stored = new LinkedHashMap<>();
    for (PolicySpec s : store.list()) {
      store.get(s.service()).ifPresent(v -> stored.put(s.service(), v));
    }
    List<DeclaredPolicies.Rejection> rejected = new ArrayList<>();
    Map<String, Policy> valid = new LinkedHashMap<>();
    Set<String> named = new HashSet<>();
    for (DeclaredPolicies.Entry e : declared) {
      if (!named.add(e.name())) {
        rejected.add(new DeclaredPolicies.Rejection(e.name(), "policy " + e.name() + " is declared more than once"));
        valid.remove(e.name());
        continue;
      }
      if (e.error() != null) {
        rejected.add(new DeclaredPolicies.Rejection(e.name(), e.error()));
        continue;
      }
      try {
        PolicySpec spec = e.spec();
        PolicyStore.Versioned old = stored.get(spec.service());
        if (old != null && spec.createdAt() == null) {
          // Same anchor as update(): interval schedules keep their phase.
          spec = new PolicySpec(spec.service(), spec.datasets(), spec.schedules(), spec.mode(), spec.retain(),
              spec.rpoSeconds(), spec.users(), spec.groups(), old.spec().createdAt());
        }
        Policy policy = validator.validate(spec, now);
        if (old == null || !old.spec().equals(policy.toSpec())) {
          List<String> missing = inventory.missing(policy);
          if (!missing.isEmpty()) {
            throw new PolicyInvalidException(policy.service(), missing);
          }
        }
        valid.put(policy.service(), policy);
      } catch (TandemException ex) {
        rejected.add(new DeclaredPolicies.Rejection(e.name(), ex.getMessage()));
      }
    }
    List<Policy> future = new ArrayList<>(valid.values());
    if (!deleteMissing) {
      for (PolicyStore.Versioned v : stored.values()) {
        if (!named.contains(v.spec().service())) {
          future.add(validator.validate(v.spec(), now));
        }
      }
    }
    for (Policy p : valid.values()) {
      try {
        PolicyValidator.checkNoOverlap(p, future);
      } catch (TandemException ex) {
        rejected.add(new DeclaredPolicies.Rejection(p.service(), ex.getMessage()));
      }
    }
    List<String> created = new ArrayList<>();
    List<String> updated = new ArrayList<>();
    List<String> unchanged = new ArrayList<>();
    List<String> deleted = new ArrayList<>();
    List<String> kept = new ArrayList<>();
    if (rejected.isEmpty()) {
      for (Policy p : valid.values()) {
        PolicyStore.Versioned old = stored.get(p.service());
        if (old == null) {
          store.create(p.toSpec());
          created.add(p.service());
        } else if (old.spec().equals(p.toSpec())) {
          unchanged.add(p.service());
        } else {
          store.update(p.toSpec(), old.version());
          updated.add(p.service());
        }
      }
      for (String service : stored.keySet()) {
        if (!named.contains(service)) {
          if (deleteMissing) {
            store.delete(service);
            deleted.add(service);
          } else {
            kept.add(service);
          }
        }
      }
      if (!created.isEmpty() || !updated.isEmpty() || !deleted.isEmpty()) {
        onChange.run();
      }
    }
    return new DeclaredPolicies.Report(null, created, updated, unchanged, deleted, kept, rejected, List.of(), 0);
  }

  public Policy get(String service) {
    PolicyValidator.requireServiceName(service);
    PolicyStore.Versioned v = store.get(service).orElseThrow(() ->
        TandemException.notFound("service " + service + " has no policy (see 'tandem policy list')"));
    return validator.validate(v.spec(), clock.instant());
  }

  /**
   * The stored policies that are valid today. One stored by an older controller under looser rules (an
   * every: beyond 366 days, a reserved path) is left out with an error in the log, not allowed to break
   * the list for every other service; {@link #get} still names what is wrong with it, and it can be
   * updated or deleted.
   */
  public List<Policy> list() {
    List<Policy> out = new ArrayList<>();
    for (PolicySpec s : store.list()) {
      try {
        out.add(validator.validate(s, clock.instant()));
      } catch (PolicyInvalidException e) {
        LOG.error("stored policy of service {} is no longer valid and is skipped (update or delete it): {}",
            s.service(), e.getMessage());
      }
    }
    return out;
  }

  /** @return false if there was none */
  public boolean delete(String service, boolean dryRun) {
    PolicyValidator.requireServiceName(service);
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
