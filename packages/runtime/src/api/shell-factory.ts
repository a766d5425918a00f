import type { Fields } from './fields.js';
import type { BasicBolt, Bolt, Spout } from './types.js';

/**
 * The seam between declarative topologies (YAML) and multilang shell components.
 *
 * A YAML file declares a shell spout or bolt by its command and output streams; the loader hands
 * that declaration to a {@link ShellComponentFactory} to get a component instance. Keeping the
 * seam this small keeps the spec layer (api/) free of the subprocess code (multilang/, which
 * implements it as `shellComponentFactory`): without a factory, a shell component is a clear
 * TopologyError.
 */

/** One output stream a shell component declares (it cannot declare its own: it is another process). */
export interface ShellStreamDef {
  readonly fields: Fields;
  readonly direct: boolean;
}

/** A shell (multilang) component as a declarative topology describes it. */
export interface ShellComponentDef {
  readonly id: string;
  readonly kind: 'spout' | 'bolt';
  /** The program to run (`python3`, `node`, `./splitter`). */
  readonly command: string;
  readonly args: readonly string[];
  /** Working directory of the subprocess (absolute). */
  readonly cwd: string;
  /** Extra environment variables of the subprocess. */
  readonly env: Readonly<Record<string, string>>;
  /** Output streams by id (`default` for the default stream). */
  readonly streams: ReadonlyMap<string, ShellStreamDef>;
}

/** Makes shell spouts and bolts from their declarations (one call per task instance). */
export interface ShellComponentFactory {
  spout(def: ShellComponentDef): Spout;
  bolt(def: ShellComponentDef): Bolt | BasicBolt;
}
