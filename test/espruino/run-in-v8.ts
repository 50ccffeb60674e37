/**
 * Helpers of the lowering step tests (inline, constants, root order): run a
 * small program in V8 and read what it left, and stand in for the source
 * map's answer to which declarations were `const`.
 */
import type { types as t } from '@babel/core';
import * as vm from 'node:vm';

/** What `code` leaves in `result` (JSON), run in V8. */
export function run(code: string): unknown {
  const context: { result?: unknown } = {};
  vm.runInNewContext(code, context);
  return JSON.parse(JSON.stringify(context.result ?? null));
}

/** What a lowered entry's `code` leaves in `globalThis.out`, run in V8. */
export function outOf(code: string): unknown {
  const context: { out?: unknown } = {};
  vm.runInNewContext(code, context);
  return context.out;
}

/** A `wasConst` that answers true for the declarations of the names in `consts` (as the source map would). */
export function constsNamed(consts: readonly string[]): (declaration: t.VariableDeclaration) => boolean {
  return (declaration) => {
    const id = declaration.declarations[0]?.id;
    return id?.type === 'Identifier' && consts.includes(id.name);
  };
}
