import { watchWindowMs } from '../../engine/crash-journal.js';
import { exitMessage, type WorkerExit } from '../worker-exit.js';

const base: WorkerExit = { supervisor: 'sup-a', port: 6700, code: null, signal: 'SIGKILL', restartInMs: 500, stderr: [] };

describe('the __worker message of a worker death', () => {
  it('says the next launch records what it executes, and how long, only when it does', () => {
    const watching = exitMessage({ ...base, watchMs: watchWindowMs({ messageTimeoutMs: 30_000, replayBackoffMaxMs: 10_000, crashWatchMs: null }) });
    expect(watching).toBe('worker sup-a:6700 was killed by SIGKILL (no exit handler ran; its next launch records what it executes for 100000 ms); restarting in 500 ms; it wrote nothing to stderr');
    const off = exitMessage({ ...base, watchMs: watchWindowMs({ messageTimeoutMs: 30_000, replayBackoffMaxMs: 10_000, crashWatchMs: 0 }) });
    expect(off).not.toMatch(/records what it executes/);
    expect(off).toMatch(/no exit handler ran; crashWatchMs is 0, so its next launch records nothing: a tuple that killed it this way is not charged/);
    // The topology's record was unreadable: no claim either way.
    expect(exitMessage(base)).toBe('worker sup-a:6700 was killed by SIGKILL (no exit handler ran); restarting in 500 ms; it wrote nothing to stderr');
  });

  it('says nothing about the watch for an exit the handler saw', () => {
    expect(exitMessage({ ...base, signal: null, code: 3, watchMs: 0, stderr: ['boom'] })).toBe('worker sup-a:6700 exited with code 3; restarting in 500 ms; last stderr lines:\nboom');
  });
});
