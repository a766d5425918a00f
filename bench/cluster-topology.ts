// Topologies deployed by bench/cluster.mjs.
//   --set mode=count  : FileLineSpout(input) -> split (2) -> count (2, fields, no emit)
//   --set mode=latency: a paced word spout (bench/latency-probe.ts) at --set rate=<tuples/s> -> count (2, fields);
//     it times the trees of a window (--set warmupMs, windowMs) itself and writes them to --set out=<file>
// --set acked=true|false chooses ackers (2) or none; --set workers=<n> (default 2) and
// --set parallelism=<n> (split and count executors, default 2) are for bench/scaling.mjs.
import { TopologyBuilder, type TopologyParams } from '@gale/runtime';
import { FileLineSpout } from '@gale/spout-kit';
import { CountBolt } from '@gale/bolt-kit';
import { SplitWordsBolt } from '../topologies/word-count.js';
import { LatencyProbeSpout } from './latency-probe.js';

const WORDS = ['the', 'and', 'alice', 'rabbit', 'queen', 'hatter', 'tea', 'cat', 'king', 'turtle', 'gryphon', 'dormouse'];

export default (params: TopologyParams) => {
  const acked = params.boolean('acked', true);
  const mode = params.string('mode', 'count');
  const par = params.number('parallelism', 2);
  const b = new TopologyBuilder();
  if (mode === 'latency') {
    b.setSpout('lines', new LatencyProbeSpout({
      fields: ['word'], generate: (seq) => [WORDS[seq % WORDS.length]!], ratePerSec: params.number('rate', 1000),
      warmupMs: params.number('warmupMs', 3000), windowMs: params.number('windowMs', 5000), out: params.string('out', ''),
    }));
    b.setBolt('count', new CountBolt({ keyField: 'word', emit: false }), 2).fieldsGrouping('lines', ['word']);
  } else {
    b.setSpout('lines', new FileLineSpout({ path: params.string('input') }));
    b.setBolt('split', new SplitWordsBolt(), par).shuffleGrouping('lines');
    b.setBolt('count', new CountBolt({ keyField: 'word', emit: false }), par).fieldsGrouping('split', ['word']);
  }
  return b.build({
    name: 'bench', workers: params.number('workers', 2),
    config: {
      ackers: acked ? 2 : 0, messageTimeoutMs: 60_000, drainTimeoutMs: 1000,
      maxSpoutPending: acked ? params.number('pending', 2000) : null,
    },
  });
};
