import type { ListFlag } from './table.js';

/**
 * `-c key=value` / `--conf key=value` of `gale local` and `gale deploy`: topology config overrides,
 * as `storm jar ... -c` takes them. Checked in ../set-flags.ts (parseConfFlags), not here: the
 * check needs the topology config table and the Storm name table.
 */
export const CONF_FLAG: ListFlag = {
  flag: 'conf', alias: 'c', kind: 'list',
  describe: 'key=value (repeatable): topology config override; a gale key (maxSpoutPending) or a Storm dotted key (topology.max.spout.pending, my.app.key)',
};
