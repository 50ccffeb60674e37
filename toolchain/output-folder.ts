/**
 * The build's output folder: emptied before every build (stale files would
 * end up in the firmware), so it must be one chipweb made. A folder with
 * files and no mark of an earlier build (the project itself, `--out .`) is
 * refused, not emptied.
 *
 * Never: delete a folder chipweb did not write.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file that marks a folder as a chipweb build's output. */
export const OUTPUT_MARK = '.chipweb-build';

/**
 * Why `out` may not be emptied, or undefined when it may: it does not exist,
 * is empty, or holds the mark or the size report of an earlier build.
 */
export function outputFolderProblem(out: string): string | undefined {
  if (!existsSync(out)) return undefined;
  if (!statSync(out).isDirectory()) return `--out ${out} is a file, not a folder`;
  const names = readdirSync(out);
  // The mark, or the size report every build writes (an output folder made before the mark was).
  if (names.length === 0 || names.includes(OUTPUT_MARK) || names.includes('size-report.json')) return undefined;
  return (
    `--out ${out} holds files chipweb did not write, and a build empties its output folder first. ` +
    'Give a new or empty folder (the default is build/<target>), or delete this one yourself.'
  );
}

/** Empties (or makes) `out` for a build and marks it; throws with outputFolderProblem's message when it may not. */
export function freshOutputFolder(out: string, error: (message: string) => Error): void {
  const problem = outputFolderProblem(out);
  if (problem) throw error(problem);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, OUTPUT_MARK), 'chipweb build output: every build empties this folder.\n');
}
