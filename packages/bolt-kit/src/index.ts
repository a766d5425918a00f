// Public API of @gale/bolt-kit: ready-made bolts for gale topologies.
export { MapBolt } from './map/map-bolt.js';
export type { MapBoltOptions } from './map/map-bolt.js';
export { FlatMapBolt } from './map/flat-map-bolt.js';
export type { FlatMapBoltOptions, FlatMapResult } from './map/flat-map-bolt.js';
export { FilterBolt } from './filter/filter-bolt.js';
export type { FilterBoltOptions } from './filter/filter-bolt.js';
export { CountBolt } from './count/count-bolt.js';
export type { CountBoltOptions } from './count/count-bolt.js';
export { FileSinkBolt, formatTabSeparated } from './sink/file-sink-bolt.js';
export type { FileSinkBoltOptions } from './sink/file-sink-bolt.js';
export { CountsFileSinkBolt } from './sink/counts-file-sink-bolt.js';
export type { CountsFileSinkBoltOptions } from './sink/counts-file-sink-bolt.js';
export { DeadLetterFileBolt } from './sink/dead-letter-file-bolt.js';
export type { DeadLetterFileBoltOptions, DeadLetterRecord } from './sink/dead-letter-file-bolt.js';
export { FileWriteError } from './errors.js';
