import { TopologyError, type WindowedBoltWiring } from '@gale/runtime';
import { badJoin, type JoinPlan, type JoinSelector, type ResolvedSelect } from './join-spec.js';

/*
 * The build-time half of a JoinBolt's checks (WindowedBolt.checkInputs): everything the join
 * names must be subscribed and declared, and with several tasks each key must reach one task.
 */

/** The fields each input must declare: its key, the fields other inputs join on, what is selected. */
function neededFields(plan: JoinPlan, select: readonly ResolvedSelect[]): Map<string, Set<string>> {
  const need = new Map(plan.streams.map((s) => [s, new Set([plan.keys.get(s)!])]));
  for (const st of plan.steps) need.get(st.prior)!.add(st.priorField);
  for (const f of select) need.get(f.stream)!.add(f.field);
  return need;
}

/** The fields each input is compared on: with several tasks, each input must be partitioned by exactly one. */
function conditionFields(plan: JoinPlan): Map<string, Set<string>> {
  const on = new Map(plan.streams.map((s) => [s, new Set<string>()]));
  for (const st of plan.steps) {
    on.get(st.stream)!.add(st.field);
    on.get(st.prior)!.add(st.priorField);
  }
  return on;
}

export function checkJoinWiring(wiring: WindowedBoltWiring, selector: JoinSelector, plan: JoinPlan, select: readonly ResolvedSelect[] | undefined): void {
  const bolt = `JoinBolt "${wiring.id}"`;
  if (plan.steps.length === 0) throw badJoin(`${bolt} joins nothing: add .join(...) or .leftJoin(...) after the first input "${plan.streams[0]}"`);
  if (select === undefined) throw badJoin(`${bolt} has no select: call .select('stream.field, ...') to name its output fields`);
  const nameOf = (i: { component: string; stream: string }): string => (selector === 'source' ? i.component : i.stream);
  const by = selector === 'source' ? 'component' : 'stream id';
  const subscribed = new Set(wiring.inputs.map(nameOf));
  for (const s of plan.streams) {
    if (!subscribed.has(s)) {
      throw new TopologyError('GALE_ERR_JOIN_STREAM', `${bolt} joins "${s}" (a ${by}, selector '${selector}') but subscribes to no input with that ${by}; its inputs are ${[...subscribed].map((x) => `"${x}"`).join(', ')}`);
    }
  }
  const need = neededFields(plan, select);
  for (const input of wiring.inputs) {
    const name = nameOf(input);
    const fields = need.get(name);
    if (fields === undefined) {
      throw new TopologyError('GALE_ERR_JOIN_STREAM', `${bolt} subscribes to "${input.component}"/"${input.stream}", which no join names (joined ${by}s: ${plan.streams.join(', ')})`);
    }
    for (const f of fields) {
      if (!input.fields.contains(f)) {
        throw new TopologyError('GALE_ERR_JOIN_FIELD', `${bolt} reads field "${f}" of "${name}", but "${input.component}"/"${input.stream}" declares only ${input.fields}`);
      }
    }
  }
  if (wiring.numTasks > 1) checkGrouping(bolt, wiring, nameOf, conditionFields(plan));
}

// Rows meet only if their tuples reach the same task: every input fields-grouped on the one
// field it is joined on, or everything on one task (global grouping).
function checkGrouping(bolt: string, wiring: WindowedBoltWiring, nameOf: (i: { component: string; stream: string }) => string, on: Map<string, Set<string>>): void {
  if (wiring.inputs.every((i) => i.grouping.type === 'global')) return;
  for (const input of wiring.inputs) {
    const keys = [...on.get(nameOf(input))!];
    if (keys.length !== 1) {
      throw new TopologyError('GALE_ERR_JOIN_GROUPING', `${bolt} has ${wiring.numTasks} tasks but joins "${nameOf(input)}" on several fields (${keys.join(', ')}), so no grouping sends matching tuples to one task; chain two JoinBolts, or run it as one task`);
    }
    const g = input.grouping;
    if (g.type !== 'fields' || g.fields.length !== 1 || g.fields[0] !== keys[0]) {
      throw new TopologyError('GALE_ERR_JOIN_GROUPING', `${bolt} has ${wiring.numTasks} tasks, so "${input.component}"/"${input.stream}" must be subscribed with fieldsGrouping on ["${keys[0]}"] (got ${g.type}${g.type === 'fields' ? ` on [${g.fields.join(', ')}]` : ''}), or every input with globalGrouping`);
    }
  }
}
