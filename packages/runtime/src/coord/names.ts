/**
 * The one naming rule for everything that becomes a znode name (topology names, supervisor ids,
 * component ids, root segments): the CLI, the admin module and the path builders all check it
 * here, so a name the CLI accepts is always a name ZooKeeper paths accept.
 */

const NAME = /^[A-Za-z0-9._-]{1,200}$/;

/** What a valid name looks like, for error messages. */
export const NAME_RULE = '1-200 characters from [A-Za-z0-9._-]';

/** A single path segment: `[A-Za-z0-9._-]`, 1-200 chars, not `.` or `..`. */
export function isValidName(name: unknown): boolean {
  return typeof name === 'string' && NAME.test(name) && name !== '.' && name !== '..';
}
