/**
 * Where one task's state lives between checkpoints. The stateful-bolt executor and the checkpoint
 * coordinator use it; a backend (memory, file, Redis) implements it. Entries are
 * `[serialized key, value]`, values JSON-serializable.
 */
export interface StateSnapshot {
  /** The checkpoint this snapshot belongs to (0: nothing was ever committed). */
  readonly txid: number;
  readonly entries: ReadonlyArray<readonly [string, unknown]>;
}

export interface StoredState {
  readonly committed: StateSnapshot;
  /** A prepared candidate not (yet) committed, if any. */
  readonly prepared: StateSnapshot | undefined;
}

export interface StateStore {
  /** Reads the committed snapshot and any prepared one. Throws a StateError (corrupt, unreachable). */
  load(): Promise<StoredState>;
  /** Durably stores `snapshot` as the prepared candidate (replacing any earlier one). */
  prepare(snapshot: StateSnapshot): Promise<void>;
  /** Makes the prepared candidate of `txid` the committed state; a no-op if there is none or it is already committed. */
  commit(txid: number): Promise<void>;
  close(): Promise<void>;
}

/** Names one task's state: kept across kill + deploy and deactivate + activate of the same topology name. */
export interface StateNamespace {
  readonly topology: string;
  readonly component: string;
  readonly taskIndex: number;
}

/** Opens the stores of one topology's tasks; local mode and workers make one per engine. */
export interface StateStoreProvider {
  open(ns: StateNamespace): StateStore;
  close(): Promise<void>;
}

/** What a task context offers stateful code when its runner configured a backend (internal). */
export interface StateHost {
  readonly stateStores: StateStoreProvider | undefined;
}

export const EMPTY_STORED_STATE: StoredState = Object.freeze({ committed: Object.freeze({ txid: 0, entries: [] }), prepared: undefined });
