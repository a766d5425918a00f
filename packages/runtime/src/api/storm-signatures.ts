import { TopologyError } from '../errors.js';
import type { BasicBolt, Bolt, Spout } from './types.js';

/**
 * Storm's lifecycle methods take the config map first: `open(conf, context, collector)`,
 * `prepare(conf, context, collector)`. Ported as is, gale calls them with (context, collector),
 * so the collector lands in the `context` parameter, the spout's collector stays undefined and
 * every `nextTuple` fails (a thousand errors a second). The declared parameter count gives the
 * mistake away before anything runs: one clear error at build() instead.
 */
export function checkStormSignatures(kind: 'spout' | 'bolt', id: string, template: Spout | Bolt | BasicBolt): void {
  if (kind === 'spout') {
    const open: unknown = (template as { open?: unknown }).open;
    if (typeof open === 'function' && open.length >= 3) {
      throw new TopologyError('GALE_ERR_STORM_SIGNATURE',
        `spout "${id}": open() declares ${open.length} parameters, like Storm's open(conf, context, collector); gale calls open(context, collector): drop the conf parameter (read config from context)`);
    }
    return;
  }
  const prepare: unknown = (template as { prepare?: unknown }).prepare;
  const basic = (template as BasicBolt).basic === true;
  if (typeof prepare === 'function' && prepare.length >= (basic ? 2 : 3)) {
    const storm = basic ? 'prepare(conf, context)' : 'prepare(conf, context, collector)';
    const gale = basic ? 'prepare(context)' : 'prepare(context, collector)';
    throw new TopologyError('GALE_ERR_STORM_SIGNATURE',
      `bolt "${id}": prepare() declares ${prepare.length} parameters, like Storm's ${storm}; gale calls ${gale}: drop the conf parameter`);
  }
}
