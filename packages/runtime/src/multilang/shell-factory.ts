import type { ShellComponentDef, ShellComponentFactory } from '../api/shell-factory.js';
import type { ShellOutputStream } from './shell-options.js';
import { ShellBolt } from './shell-bolt.js';
import { ShellSpout } from './shell-spout.js';

function outputsOf(def: ShellComponentDef): Record<string, ShellOutputStream> {
  const out: Record<string, ShellOutputStream> = {};
  for (const [id, s] of def.streams) out[id] = { fields: s.fields.names, direct: s.direct };
  return out;
}

/**
 * Shell components of declarative (YAML) topologies: each declaration becomes a {@link ShellSpout}
 * or {@link ShellBolt} with the same command, arguments, directory, environment and streams.
 */
export const shellComponentFactory: ShellComponentFactory = {
  spout: (def) => new ShellSpout({ command: def.command, args: def.args, cwd: def.cwd, env: def.env, outputs: outputsOf(def) }),
  bolt: (def) => new ShellBolt({ command: def.command, args: def.args, cwd: def.cwd, env: def.env, outputs: outputsOf(def) }),
};
