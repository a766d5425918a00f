import { didYouMean } from '../../config/did-you-mean.js';
import type { CommandDef } from './command.js';

/** Turns yargs' (sometimes multi-line) failure messages into one line in gale's voice. */

/**
 * @param command the command's spec, undefined before a command word
 * @param known the flags (without dashes) the command takes, for did-you-mean
 */
export function rewordYargsMessage(msg: string, argv: readonly string[], command: CommandDef<unknown> | undefined, known: readonly string[]): string {
  let m = /^Unknown arguments?: (.*)$/s.exec(msg);
  if (m !== null) {
    const names = m[1]!.split(', ');
    const options = names.filter((n) => isOptionWord(n, argv));
    if (options.length > 0) {
      const first = options[0]!;
      const what = options.length === 1 ? `unknown option "${dashed(first)}"` : `unknown options ${options.map((o) => `"${dashed(o)}"`).join(', ')}`;
      return `${what}${command === undefined ? '' : ` for "gale ${command.name}"`}${didYouMean(dashed(first), known.map(dashed))}`;
    }
    const takes = command === undefined ? '' : `: gale ${command.name} takes ${command.takes}`;
    return `unexpected argument${names.length > 1 ? 's' : ''} ${names.map((n) => `"${n}"`).join(', ')}${takes}`;
  }
  m = /^Not enough non-option arguments/.exec(msg);
  if (m !== null) return command?.positional?.missing ?? 'missing argument';
  m = /^Not enough arguments following: (.*)$/.exec(msg);
  if (m !== null) return `${dashed(m[1]!)} needs a value`;
  m = /^Invalid values:\s*Argument: (.*?), Given: (.*?), Choices: (.*)$/s.exec(msg);
  if (m !== null) return `${dashed(m[1]!)} must be one of ${m[3]!.replace(/"/g, '')}, got ${m[2]}`;
  return msg.replace(/\s*\n\s*/g, '; ');
}

export function dashed(name: string): string {
  return name.length === 1 ? `-${name}` : `--${name}`;
}

function isOptionWord(name: string, argv: readonly string[]): boolean {
  return argv.some((w) => w.startsWith('-') && w.replace(/^-+/, '').split('=')[0] === name);
}
