/**
 * Gives a bundle its `const`s back. When esbuild bundles, it turns every
 * module-level `const`, `let` and `class` into `var` (a deliberate choice
 * of esbuild, with no option to keep them). On the board that matters: the
 * core is preloaded, and XS's linker (xsl) keeps a module-level binding in
 * flash only when it is `const`; any other binding a function closes over
 * is copied into RAM at boot, and xsl warns "no const" for each.
 *
 * constBindings() takes esbuild's unminified ESM output, turns each
 * module-level `var` statement whose bindings are never assigned again into
 * `const`, and leaves the others as they were. Which ones are assigned
 * again is esbuild's own judgement: the candidate is parsed by esbuild, and
 * a statement whose name esbuild reports as "assigned although constant" is
 * put back. The result is equivalent code in which every binding that can
 * be `const` is.
 *
 * Never: change anything but the keyword of a module-level `var` statement;
 * touch a statement that destructures, lacks an initializer, or that the
 * scanner cannot read with certainty (it stays `var`).
 */
import * as esbuild from 'esbuild';

/** A module-level `var` statement: where its keyword is and the names it declares. */
interface VarStatement {
  at: number;
  names: string[];
}

const IDENTIFIER_START = /[A-Za-z_$]/;
const IDENTIFIER_PART = /[\w$]/;
/** Keywords after which a `/` starts a regular expression, not a division. */
const BEFORE_REGEXP = new Set([
  'return',
  'typeof',
  'instanceof',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'case',
  'do',
  'else',
  'yield',
  'await',
]);

/**
 * Finds the module-level `var` statements whose every declarator is a
 * plain name with an initializer. A small scanner: it skips strings,
 * template literals (with nested `${}`), comments and regular expression
 * literals, tracks bracket depth, and reads a statement only when `var`
 * stands at depth 0 at the start of a line (esbuild prints one statement
 * per line at the top level).
 */
export function moduleVars(code: string): VarStatement[] {
  const found: VarStatement[] = [];
  let depth = 0;
  /** Depths at which a template literal's `${` opened. */
  const templates: number[] = [];
  let last = ''; // the last significant token ('' at the start)
  let i = 0;
  let current: VarStatement | null = null;
  let currentOk = true;
  /** Inside the current statement: expecting a declarator name next. */
  let wantName = false;
  let sawInit = false;
  const n = code.length;

  const finishStatement = () => {
    if (current && currentOk && sawInit && current.names.length > 0) found.push(current);
    current = null;
  };

  const skipTemplate = (): boolean => {
    // i is just after a backtick or a `}` closing a `${`; scans to the closing backtick or the next `${`.
    while (i < n) {
      const c = code[i];
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (c === '`') {
        i++;
        return true;
      }
      if (c === '$' && code[i + 1] === '{') {
        i += 2;
        templates.push(depth);
        depth++;
        return false;
      }
      i++;
    }
    return true;
  };

  while (i < n) {
    const c = code[i];
    if (c === '\n' || c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '/' && code[i + 1] === '/') {
      while (i < n && code[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && code[i + 1] === '*') {
      const end = code.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      i++;
      while (i < n && code[i] !== c) i += code[i] === '\\' ? 2 : 1;
      i++;
      last = 'literal';
      if (current) wantName = false;
      continue;
    }
    if (c === '`') {
      i++;
      skipTemplate();
      last = 'literal';
      continue;
    }
    if (c === '/') {
      const regexp =
        last === '' || BEFORE_REGEXP.has(last) || (last.length === 1 && '(,=:[!&|?{};+-*%<>~^'.includes(last));
      if (regexp) {
        i++;
        let inClass = false;
        while (i < n) {
          const r = code[i];
          if (r === '\\') {
            i += 2;
            continue;
          }
          if (r === '[') inClass = true;
          else if (r === ']') inClass = false;
          else if (r === '/' && !inClass) break;
          else if (r === '\n') break;
          i++;
        }
        i++;
        while (i < n && IDENTIFIER_PART.test(code[i])) i++; // flags
        last = 'literal';
        continue;
      }
    }
    if (IDENTIFIER_START.test(c)) {
      const start = i;
      while (i < n && IDENTIFIER_PART.test(code[i])) i++;
      const word = code.slice(start, i);
      const lineStart = start === 0 || code[start - 1] === '\n';
      if (word === 'var' && depth === 0 && lineStart && current === null) {
        current = { at: start, names: [] };
        currentOk = true;
        wantName = true;
        sawInit = false;
      } else if (current && depth === 0 && wantName) {
        current.names.push(word);
        wantName = false;
        sawInit = false;
      }
      last = word;
      continue;
    }
    if (/[0-9]/.test(c)) {
      while (i < n && /[\w.]/.test(code[i])) i++;
      last = 'literal';
      continue;
    }
    // Punctuation.
    if (c === '{' || c === '(' || c === '[') {
      if (current && depth === 0 && wantName) currentOk = false; // destructuring
      depth++;
    } else if (c === '}' || c === ')' || c === ']') {
      if (c === '}' && templates.length > 0 && templates[templates.length - 1] === depth - 1) {
        templates.pop();
        depth--;
        i++;
        skipTemplate();
        last = 'literal';
        continue;
      }
      depth--;
    } else if (current && depth === 0) {
      if (c === '=' && code[i + 1] !== '=' && code[i + 1] !== '>') {
        if (current.names.length > 0 && !wantName) sawInit = true;
      } else if (c === ',') {
        if (!sawInit) currentOk = false; // a declarator without an initializer
        wantName = true;
      } else if (c === ';') {
        finishStatement();
      }
    }
    last = c;
    i++;
  }
  return found;
}

const ASSIGNED = /This assignment will throw because "([^"]+)" is a constant/;

/**
 * `code` (esbuild's unminified ESM output) with every module-level `var`
 * statement that can be `const` made `const`. Throws if esbuild cannot
 * parse the result (a bug here, never a reason to ship a changed bundle).
 */
export function constBindings(code: string): { code: string; converted: number; kept: string[] } {
  const statements = moduleVars(code);
  const keep = new Set<number>();
  for (let round = 0; round < 20; round++) {
    const candidate = rewrite(code, statements, keep);
    const result = esbuild.transformSync(candidate, { format: 'esm', target: 'es2022', logLevel: 'silent' });
    const assigned = new Set<string>();
    for (const warning of result.warnings) {
      const m = ASSIGNED.exec(warning.text);
      if (m) assigned.add(m[1]);
    }
    let changed = false;
    statements.forEach((statement, index) => {
      if (!keep.has(index) && statement.names.some((name) => assigned.has(name))) {
        keep.add(index);
        changed = true;
      }
    });
    if (!changed) {
      const kept: string[] = [];
      for (const index of keep) kept.push(...statements[index].names);
      return { code: candidate, converted: statements.length - keep.size, kept };
    }
  }
  throw new Error('constBindings: the const conversion did not settle');
}

/** `code` with the `var` of each statement not in `keep` replaced by `const`. */
function rewrite(code: string, statements: VarStatement[], keep: Set<number>): string {
  let out = '';
  let from = 0;
  statements.forEach((statement, index) => {
    if (keep.has(index)) return;
    out += code.slice(from, statement.at) + 'const';
    from = statement.at + 3;
  });
  return out + code.slice(from);
}
