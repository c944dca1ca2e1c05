/**
 * The consistent-cut protocol shared by the controller, the HBase coprocessor and the NameNode
 * plugin: where a cut lives in the primary's ZooKeeper ({@link io.tandem.core.cut.CutProtocol})
 * and what each node holds ({@link io.tandem.core.cut.CutSpec}, {@link io.tandem.core.cut.ArmAck},
 * {@link io.tandem.core.cut.HdfsAck}, {@link io.tandem.core.cut.CutAbort}).
 *
 * <p>Dependency-free on purpose: this package is shaded into the coprocessor and NameNode plugin
 * jars, which run inside servers that bring their own (and differing) libraries. Payloads are
 * {@link java.util.Properties} text, readable with {@code zkCli.sh get}.
 */
package io.tandem.core.cut;
