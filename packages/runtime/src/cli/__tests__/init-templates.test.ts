import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SCAFFOLD_DEV_DEPENDENCIES } from '../init/dev-versions.js';
import { packageNameFor, scaffoldFiles } from '../init/templates.js';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..', '..');

describe('gale init templates', () => {
  it('give a project the dev tools this repository tests gale with', () => {
    const root = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    for (const [name, range] of Object.entries(SCAFFOLD_DEV_DEPENDENCIES)) expect([name, root.devDependencies[name]]).toEqual([name, range]);
  });

  it('depend on the gale packages of the CLI that writes them', () => {
    const pkg = scaffoldFiles({ name: 'x', galeRange: '^1.2.3' }).find((f) => f.path === 'package.json')!;
    expect(JSON.parse(pkg.text)).toMatchObject({
      name: 'x', type: 'module',
      dependencies: { '@gale/runtime': '^1.2.3', '@gale/spout-kit': '^1.2.3', '@gale/bolt-kit': '^1.2.3' },
    });
  });

  it('name the package after the directory, as npm allows', () => {
    expect(packageNameFor('My Topologies!')).toBe('my-topologies-');
    expect(packageNameFor('_private')).toBe('private');
    expect(packageNameFor('...')).toBe('gale-topologies');
  });
});
