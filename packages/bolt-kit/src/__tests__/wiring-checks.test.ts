// A kit bolt that reads a field by name which its input stream does not declare is a wiring
// mistake: before, the topology ran and every tuple failed GALE_ERR_UNKNOWN_FIELD at run time, its
// spout replaying it for ever. Now build() refuses it, naming the bolt, the field, the option and
// what the input declares (CountBolt's case is in count/__tests__/count-bolt.test.ts).
import { Count, DEAD_LETTER_STREAM, FixedTupleSpout, TopologyBuilder, tumblingWindow, type Bolt, type BasicBolt, type WindowedBolt } from '@gale/runtime';
import {
  CountsFileSinkBolt, DeadLetterFileBolt, RedisHashSinkBolt, RedisStreamSinkBolt, WindowedCountBolt, WindowedTopNBolt,
} from '@gale/bolt-kit';

/** Builds src ([word, n]) → bolt on `stream`, returning the build's error message or 'ok'. */
function build(bolt: Bolt | BasicBolt | WindowedBolt, stream = 'default'): string {
  const b = new TopologyBuilder();
  b.setSpout('src', new FixedTupleSpout([['a', 1]], ['word', 'n']));
  b.setBolt('b', bolt).shuffleGrouping('src', stream);
  try {
    b.build({ name: 'w' });
    return 'ok';
  } catch (err) {
    expect((err as { code?: string }).code).toBe('GALE_ERR_UNKNOWN_FIELD');
    return (err as Error).message;
  }
}

const window = tumblingWindow(Count.of(2));

it.each([
  ['CountsFileSinkBolt', () => new CountsFileSinkBolt({ path: '/tmp/never-written.tsv', countField: 'count' }), 'count', 'countField'],
  ['WindowedCountBolt', () => new WindowedCountBolt({ window, keyField: 'user' }), 'user', 'keyField'],
  ['WindowedTopNBolt', () => new WindowedTopNBolt({ window, n: 3, countField: 'count' }), 'count', 'countField'],
  ['RedisHashSinkBolt', () => new RedisHashSinkBolt({ key: 'h', hashField: 'word', valueField: 'value' }), 'value', 'valueField'],
  ['RedisStreamSinkBolt', () => new RedisStreamSinkBolt({ stream: 's', idField: 'id' }), 'id', 'idField'],
] as const)('%s refuses an input without a field it reads', (kind, make, field, option) => {
  expect(build(make())).toBe(
    `bolt "b" (${kind}) reads field "${field}" (option ${option}) of its input "src"/"default", which declares only [word, n]; set ${option} to one of those fields, or declare "${field}" on that stream`,
  );
});

it('accepts the same bolts wired to inputs that declare their fields', () => {
  expect(build(new CountsFileSinkBolt({ path: '/tmp/never-written.tsv', countField: 'n' }))).toBe('ok');
  expect(build(new WindowedCountBolt({ window }))).toBe('ok');
  expect(build(new RedisHashSinkBolt({ key: 'h', hashField: 'word', valueField: 'n' }))).toBe('ok');
  expect(build(new RedisStreamSinkBolt({ stream: 's', fields: ['word', 'n'] }))).toBe('ok');
});

it('DeadLetterFileBolt accepts a dead-letter stream and refuses any other', () => {
  expect(build(new DeadLetterFileBolt({ path: '/tmp/never-written.jsonl' }), DEAD_LETTER_STREAM)).toBe('ok');
  expect(build(new DeadLetterFileBolt({ path: '/tmp/never-written.jsonl' }))).toBe(
    'bolt "b" (DeadLetterFileBolt) reads field "messageId" of its input "src"/"default", which declares only [word, n]; subscribe it to a spout\'s dead-letter stream: .shuffleGrouping(spoutId, DEAD_LETTER_STREAM)',
  );
});
