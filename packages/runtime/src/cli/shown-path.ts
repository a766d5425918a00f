import path from 'node:path';

/**
 * A file as messages name it (`file:line:col`, as tsc prints): relative to the user's working
 * directory when inside it, else absolute (`/tmp/x.ts`, never `../../../tmp/x.ts`).
 */
export function shownPath(cwd: string, file: string): string {
  const abs = path.resolve(cwd, file);
  const rel = path.relative(cwd, abs);
  if (rel === '') return abs;
  return rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel) ? abs : rel;
}
