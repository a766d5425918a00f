import { EMPTY_STORED_STATE, type StateNamespace, type StateSnapshot, type StateStore, type StateStoreProvider, type StoredState } from './state-store.js';

/*
 * The in-memory backend (local mode's default): state lives as long as the provider, i.e. the
 * LocalCluster or worker process. Snapshots are kept as JSON text, so a bolt that mutates a value
 * object after a checkpoint cannot change what was committed.
 */

interface Slot {
  committed: { txid: number; json: string };
  prepared: { txid: number; json: string } | undefined;
}

const decode = (s: { txid: number; json: string }): StateSnapshot => ({ txid: s.txid, entries: JSON.parse(s.json) as [string, unknown][] });

class MemoryStateStore implements StateStore {
  constructor(private readonly slot: Slot) {}
  load(): Promise<StoredState> {
    const s = this.slot;
    return Promise.resolve({ committed: decode(s.committed), prepared: s.prepared === undefined ? undefined : decode(s.prepared) });
  }
  prepare(snapshot: StateSnapshot): Promise<void> {
    this.slot.prepared = { txid: snapshot.txid, json: JSON.stringify(snapshot.entries) };
    return Promise.resolve();
  }
  commit(txid: number): Promise<void> {
    const s = this.slot;
    if (s.prepared !== undefined && s.prepared.txid === txid) {
      s.committed = s.prepared;
      s.prepared = undefined;
    }
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

export class MemoryStateStores implements StateStoreProvider {
  private readonly slots = new Map<string, Slot>();
  open(ns: StateNamespace): StateStore {
    const key = JSON.stringify([ns.topology, ns.component, ns.taskIndex]);
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = { committed: { txid: EMPTY_STORED_STATE.committed.txid, json: '[]' }, prepared: undefined };
      this.slots.set(key, slot);
    }
    return new MemoryStateStore(slot);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
