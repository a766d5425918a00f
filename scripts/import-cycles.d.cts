/** Module graph: absolute file -> absolute files it imports (type-only and dynamic imports included). */
export declare function importGraph(
  files: readonly string[], root: string, read?: (file: string) => string,
): Map<string, string[]>;
/** One shortest loop per strongly connected component; the first file is repeated at the end. */
export declare function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][];
/** The scanned file an import specifier names, or undefined (packages, builtins, unknown files). */
export declare function resolveSpecifier(
  spec: string, from: string, root: string, known: ReadonlySet<string>,
): string | undefined;
/** The scanned modules of the repository at `root` (default: this repository) and their cycles, computed once. */
export declare function repoCycles(root?: string): { root: string; files: string[]; known: Set<string>; cycles: string[][] };
/** The ESLint rule `gale/no-import-cycle` (untyped here to keep eslint's types out of the check). */
export declare const noImportCycleRule: object;
