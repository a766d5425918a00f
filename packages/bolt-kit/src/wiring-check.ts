import { TopologyError, type BoltInput, type BoltWiring } from '@gale/runtime';

/** A field a kit bolt reads by name from its input tuples, and the option that names it. */
export interface FieldRead {
  /** The option naming the field; undefined: a fixed field (then `hint` says how to fix). */
  readonly option?: string;
  readonly field: string | undefined;
}

/**
 * The build-time half of a kit bolt's reads by field name (`checkInputs`): every input it reads
 * must declare each field, or `build()` refuses the topology with `GALE_ERR_UNKNOWN_FIELD` naming
 * the bolt, the field, the option and what the input declares. Before, the read threw at run time
 * for every tuple, each failed and replayed for ever: a wiring mistake is not a transient failure.
 * `skip`: inputs the bolt does not read fields of (e.g. CountBolt's `flushOn` stream).
 */
export function requireInputFields(
  kind: string, wiring: BoltWiring, reads: readonly FieldRead[], skip?: (input: BoltInput) => boolean, hint?: string,
): void {
  for (const input of wiring.inputs) {
    if (skip?.(input) === true) continue;
    for (const { option, field } of reads) {
      if (field === undefined || input.fields.contains(field)) continue;
      throw new TopologyError(
        'GALE_ERR_UNKNOWN_FIELD',
        `bolt "${wiring.id}" (${kind}) reads field "${field}"${option === undefined ? '' : ` (option ${option})`} of its input "${input.component}"/"${input.stream}", which declares only ${input.fields}; ${
          hint ?? `set ${option} to one of those fields, or declare "${field}" on that stream`}`,
      );
    }
  }
}
