import { LineCounter, isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import { TopologyError } from '../../errors.js';
import { didYouMean } from '../did-you-mean.js';

/**
 * Typed reads of a parsed YAML document that fail with `file:line:col: message`. The position
 * is the node's own (a value's, or the key's when the key is the mistake), 1-based.
 */
export class YamlCursor {
  constructor(readonly file: string, private readonly lines: LineCounter) {}

  /** `file:line:col` of a source offset. */
  atOffset(offset: number): string {
    const { line, col } = this.lines.linePos(offset);
    return `${this.file}:${line}:${col}`;
  }

  /** `file:line:col` of a node (the file itself for a missing node). */
  at(node: Node | null | undefined): string {
    const start = node?.range?.[0];
    return start === undefined ? this.file : this.atOffset(start);
  }

  fail(node: Node | null | undefined, code: string, message: string): never {
    throw new TopologyError(code, `${this.at(node)}: ${message}`);
  }

  /**
   * The entries of a mapping (keys as text); unknown keys fail with did-you-mean or a hint
   * from `hints` (keys other tools use, such as Flux's `className`).
   */
  map(node: Node | null | undefined, what: string, known: readonly string[], hints: Readonly<Record<string, string>> = {}): Map<string, Pair<Node, Node | null>> {
    if (!isMap(node)) this.fail(node, 'GALE_ERR_YAML_SCHEMA', `${what} must be a mapping (key: value lines), got ${describeNode(node)}`);
    const out = new Map<string, Pair<Node, Node | null>>();
    for (const pair of (node as YAMLMap<Node, Node | null>).items) {
      const keyNode = pair.key;
      if (!isScalar(keyNode) || typeof keyNode.value !== 'string') this.fail(keyNode, 'GALE_ERR_YAML_SCHEMA', `keys of ${what} must be text`);
      const key = keyNode.value as string;
      if (known.length > 0 && !known.includes(key)) {
        const hint = hints[key] === undefined ? didYouMean(key, known) : `; ${hints[key]}`;
        this.fail(keyNode, 'GALE_ERR_YAML_UNKNOWN_KEY', `unknown key "${key}" in ${what}${hint}; known keys: ${known.join(', ')}`);
      }
      out.set(key, pair);
    }
    return out;
  }

  /** The items of a sequence. */
  seq(node: Node | null | undefined, what: string): Node[] {
    if (!isSeq(node)) this.fail(node, 'GALE_ERR_YAML_SCHEMA', `${what} must be a list ("- item" lines), got ${describeNode(node)}`);
    return node.items as Node[];
  }

  str(node: Node | null | undefined, what: string): string {
    if (!isScalar(node) || typeof node.value !== 'string' || node.value.length === 0) {
      this.fail(node, 'GALE_ERR_YAML_SCHEMA', `${what} must be non-empty text, got ${describeNode(node)}`);
    }
    return node.value as string;
  }

  int(node: Node | null | undefined, what: string, min: number): number {
    if (!isScalar(node) || typeof node.value !== 'number' || !Number.isInteger(node.value) || node.value < min) {
      this.fail(node, 'GALE_ERR_YAML_SCHEMA', `${what} must be an integer >= ${min}, got ${describeNode(node)}`);
    }
    return node.value as number;
  }

  num(node: Node | null | undefined, what: string, minExclusive: number): number {
    if (!isScalar(node) || typeof node.value !== 'number' || !(node.value > minExclusive)) {
      this.fail(node, 'GALE_ERR_YAML_SCHEMA', `${what} must be a number > ${minExclusive}, got ${describeNode(node)}`);
    }
    return node.value as number;
  }

  bool(node: Node | null | undefined, what: string): boolean {
    if (!isScalar(node) || typeof node.value !== 'boolean') this.fail(node, 'GALE_ERR_YAML_SCHEMA', `${what} must be true or false, got ${describeNode(node)}`);
    return node.value as boolean;
  }

  /** A list of non-empty texts; a single text is a list of one. */
  strList(node: Node | null | undefined, what: string): string[] {
    if (isScalar(node)) return [this.str(node, what)];
    return this.seq(node, what).map((n, i) => this.str(n, `${what}[${i}]`));
  }
}

/** What a node is, for "must be X, got Y". */
export function describeNode(node: Node | null | undefined): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'nothing (null)';
    return `${typeof v === 'string' ? 'text' : typeof v} ${JSON.stringify(v)}`;
  }
  return 'an alias';
}
