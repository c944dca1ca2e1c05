package io.tandem.testkit;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving tests the shared {@link EmbeddedClusters}: started once per JVM
 * (stored in the root context's store, so every test class in the fork reuses it) and stopped
 * when the JVM's test plan ends. Tests isolate themselves by names (namespaces, directories,
 * service names), never by restarting clusters.
 *
 * <p>Use: {@code @ExtendWith(TwoClusters.class)} and a parameter of type
 * {@link EmbeddedClusters} in a {@code @BeforeAll}, test or constructor.
 */
public final class TwoClusters implements BeforeAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(TwoClusters.class);
  private static final String KEY = "clusters";

  /** RegionServers per cluster; two, so region moves and per-server fences are real. */
  public static final int REGION_SERVERS = 2;

  @Override
  public void beforeAll(ExtensionContext context) {
    clusters(context);
  }

  static EmbeddedClusters clusters(ExtensionContext context) {
    Holder holder = context.getRoot().getStore(NS).getOrComputeIfAbsent(KEY, k -> new Holder(), Holder.class);
    return holder.get();
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
    return p.getParameter().getType() == EmbeddedClusters.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext e) {
    return clusters(e);
  }

  /** Starts lazily and closes with the root store. */
  private static final class Holder implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    private EmbeddedClusters clusters;

    synchronized EmbeddedClusters get() {
      if (clusters == null) {
        try {
          clusters = new EmbeddedClusters(REGION_SERVERS).start();
        } catch (Exception e) {
          throw new IllegalStateException("could not start the embedded primary and secondary clusters", e);
        }
      }
      return clusters;
    }

    @Override
    public synchronized void close() {
      if (clusters != null) {
        clusters.close();
        clusters = null;
      }
    }
  }
}
