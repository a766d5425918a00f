// The builder's per-subscription checks and the wiring a bolt's checkInputs sees: apart from
// builder.ts to keep it small.
import { TopologyError } from '../errors.js';
import { didYouMean } from '../config/did-you-mean.js';
import type { InputDecl, StreamDecl } from './builder-types.js';
import { DEAD_LETTER_STREAM, type BoltWiring } from './types.js';

type Streams = ReadonlyMap<string, ReadonlyMap<string, StreamDecl>>;

/** What {@link Bolt.checkInputs} sees of a bolt (its subscriptions already checked). */
export function wiringOf(d: { readonly id: string; readonly numTasks: number; readonly inputs: readonly InputDecl[] }, streams: Streams): BoltWiring {
  return {
    id: d.id,
    numTasks: d.numTasks,
    inputs: d.inputs.map((i) => ({ component: i.component, stream: i.stream, fields: streams.get(i.component)!.get(i.stream)!.fields, grouping: i.grouping })),
  };
}

/** Throws a TopologyError when bolt `boltId`'s subscription `input` names nothing declared or groups by an undeclared field. */
export function checkInput(boltId: string, input: InputDecl, streams: Streams, components: ReadonlyMap<string, unknown>): void {
  if (!components.has(input.component)) {
    throw new TopologyError('GALE_ERR_DANGLING_INPUT', `bolt "${boltId}" subscribes to "${input.component}", which is not declared${didYouMean(input.component, components.keys())}`);
  }
  const stream = streams.get(input.component)!.get(input.stream);
  if (stream === undefined) {
    const all = [...streams.get(input.component)!.keys()];
    // The message lists what the component declared; the reserved stream is only suggested.
    const known = all.filter((st) => st !== DEAD_LETTER_STREAM);
    throw new TopologyError('GALE_ERR_UNKNOWN_STREAM', `bolt "${boltId}" subscribes to stream "${input.stream}" of "${input.component}", which declares ${known.length ? `only [${known.join(', ')}]` : 'no streams'}${didYouMean(input.stream, all)}`);
  }
  const g = input.grouping;
  if ((g.type === 'direct') !== stream.direct) {
    throw new TopologyError('GALE_ERR_DIRECT_MISMATCH', g.type === 'direct'
      ? `bolt "${boltId}" uses directGrouping on "${input.component}"/"${input.stream}", which is not declared direct`
      : `bolt "${boltId}" uses ${g.type} grouping on direct stream "${input.component}"/"${input.stream}"; use directGrouping`);
  }
  if (g.type === 'fields' || g.type === 'partialKey') {
    if (g.fields.length === 0) throw new TopologyError('GALE_ERR_UNKNOWN_FIELD', `bolt "${boltId}": ${g.type} grouping on "${input.component}" needs at least one field`);
    for (const f of g.fields) {
      if (!stream.fields.contains(f)) {
        throw new TopologyError('GALE_ERR_UNKNOWN_FIELD', `bolt "${boltId}" groups "${input.component}"/"${input.stream}" by field "${f}", which is not one of ${stream.fields}${didYouMean(f, stream.fields.names)}`);
      }
    }
  }
}
