import { ackerComponent } from './acker.js';
import { checkpointComponent } from './checkpoint-coordinator.js';
import { metricsComponent } from './metrics-component.js';
import type { SystemComponent } from './system-component.js';

/**
 * The system components every engine adds (EngineOptions.systemComponents defaults to this), and
 * the ones a deployment places on workers: the one list to extend (see system-component.ts).
 */
export const DEFAULT_SYSTEM_COMPONENTS: readonly SystemComponent[] = Object.freeze([ackerComponent, checkpointComponent, metricsComponent]);
