/**
 * Versions of the dev tools a scaffolded project gets: the ones this repository builds and tests
 * gale with (root package.json devDependencies; init-templates.test.ts keeps them equal).
 */
export const SCAFFOLD_DEV_DEPENDENCIES: Readonly<Record<string, string>> = {
  '@swc/core': '^1.16.22',
  '@swc/jest': '^0.2.39',
  '@types/jest': '^30.0.0',
  '@types/node': '^20.19.43',
  jest: '^29.7.0',
  typescript: '5.9',
};
