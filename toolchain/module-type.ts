/**
 * An app module is an ES module (import/export). Node, and tsx with it,
 * load a `.ts` or `.js` file as ES module only when the nearest package.json
 * says `"type": "module"`; otherwise the load fails deep inside Node with
 * "Cannot require() ES Module … in a cycle". This finds that case first and
 * says what to change.
 *
 * Never: change the user's files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Why `entry` would not load as an ES module, or null when it will. */
export function moduleTypeProblem(entry: string): string | null {
  const file = resolve(entry);
  if (/\.m[jt]s$/.test(file)) return null; // .mts/.mjs are ES modules whatever package.json says
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      let type: unknown;
      try {
        type = (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type;
      } catch (error) {
        return `${manifest} is not valid JSON (${(error as Error).message}): fix it so Node can read the module type`;
      }
      if (type === 'module') return null;
      const said = type === undefined ? 'has no "type"' : `has "type": ${JSON.stringify(type)}`;
      return `${manifest} ${said}, so Node loads ${entry} as CommonJS, but a chipweb app is an ES module: set "type": "module" in it (or name the entry .mts)`;
    }
    if (dirname(dir) === dir) {
      return `no package.json above ${entry}, so Node loads it as CommonJS, but a chipweb app is an ES module: add a package.json with "type": "module" (npx chipweb init makes one), or name the entry .mts`;
    }
  }
}
