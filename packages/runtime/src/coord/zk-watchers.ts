/**
 * gale watchers ↔ library watchers. One wrapper per watcher function (so passing the same watcher
 * twice registers it once, as the library dedupes by identity); events after close are dropped and a
 * watcher that throws is logged, never thrown into the library's socket handler.
 */
import type zookeeper from 'node-zookeeper-client';
import type { Logger } from '../log.js';
import { EVENT_TYPES } from './zk-lib.js';
import type { ZkWatcher } from './zk-types.js';

export class WatcherWrappers {
  private readonly wrappers = new WeakMap<ZkWatcher, (e: zookeeper.Event) => void>();

  constructor(private readonly log: Logger, private readonly closed: () => boolean) {}

  wrap(watcher: ZkWatcher): (e: zookeeper.Event) => void {
    let wrapped = this.wrappers.get(watcher);
    if (!wrapped) {
      wrapped = (e: zookeeper.Event) => {
        const type = EVENT_TYPES[e.getType()];
        if (!type || this.closed()) return;
        try {
          watcher({ type, path: e.getPath() });
        } catch (err) {
          this.log.error({ err, path: e.getPath() }, 'zookeeper watcher threw');
        }
      };
      this.wrappers.set(watcher, wrapped);
    }
    return wrapped;
  }
}
