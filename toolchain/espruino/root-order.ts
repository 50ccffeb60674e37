/**
 * The order of the boot code's top-level names (a step of
 * toolchain/espruino/lower.ts). Espruino keeps the root scope's names in
 * one list, in the order they were made, and finds a name by walking it:
 * a name made late costs every read a walk past all the names made before
 * it (about 7 ns each on the Linux build; the dashboard's root has about
 * 380). So what requests read most is made first:
 *
 * 1. Espruino's built-in classes (BUILTINS_FIRST). A built-in method call
 *    on a value (`text.indexOf`, `bytes.subarray`) looks its class up by
 *    name in the root scope, then Object; a property an object lacks looks
 *    up Object. Espruino adds a built-in class to the root scope where the
 *    code first names it, so the boot code names them before anything else.
 * 2. The constants whose values are made of literals and built-ins only
 *    (`const MALFORMED = /…/`, `const espruino = globalThis`): the regular
 *    expressions, strings and tables the request path reads. They go in
 *    front of the functions. A `const` may move up the bundle
 *    (pureConstantsFirst): nothing can read it before its declaration (that
 *    read would throw), and making its value runs nothing. In front of the
 *    functions (rootOrder) goes only what comes before the first statement
 *    that runs code.
 *
 * Never: move a variable whose value could run code or read a name of the
 * bundle not moved before it; move one past a statement that runs code.
 */
import type { PluginObj, types as BabelTypes } from '@babel/core';
import { bundleBody } from './constants.ts';

type Types = typeof BabelTypes;

/**
 * Espruino's built-in classes and objects, most looked up first. Each is
 * named with `typeof`, which makes no ReferenceError on an engine without it.
 */
export const BUILTINS_FIRST: readonly string[] = [
  'Object',
  'String',
  'Uint8Array',
  'ArrayBufferView',
  'Function',
  'Array',
  'Number',
  'E',
  'Promise',
  'RegExp',
  'Math',
  'JSON',
  'Uint16Array',
  'Int32Array',
  'Float64Array',
  'ArrayBuffer',
  'Boolean',
  'Error',
  'TypeError',
  'Socket',
  'Server',
];

/** Built-in values a moved variable may hold or read: none of them runs the bundle's code. */
const BUILTIN_VALUES = new Set(['globalThis', 'Infinity', 'NaN', 'undefined', 'String', 'Math', 'Object']);
/** Typed arrays a moved variable may make (`new Uint8Array(128)`). */
const TYPED_ARRAYS = new Set(['Uint8Array', 'Uint16Array', 'Int32Array', 'Float64Array', 'Int8Array', 'Int16Array']);

/** Whether evaluating `node` runs no code of the bundle and reads only built-ins and the names in `moved`. */
function pure(node: BabelTypes.Node | null | undefined, moved: Set<string>): boolean {
  if (!node) return true;
  switch (node.type) {
    case 'NumericLiteral':
    case 'StringLiteral':
    case 'BooleanLiteral':
    case 'NullLiteral':
    case 'RegExpLiteral':
      return true;
    case 'TemplateLiteral':
      return node.expressions.length === 0;
    case 'Identifier':
      return BUILTIN_VALUES.has(node.name) || moved.has(node.name);
    case 'UnaryExpression':
      return node.operator !== 'delete' && pure(node.argument, moved);
    case 'BinaryExpression':
      // Literals only: an object operand could run its valueOf.
      return node.left.type.endsWith('Literal') && node.right.type.endsWith('Literal');
    case 'ArrayExpression':
      return node.elements.every(
        (element) => element !== null && element.type !== 'SpreadElement' && pure(element, moved),
      );
    case 'ObjectExpression':
      return node.properties.every(
        (p) => p.type === 'ObjectProperty' && !p.computed && pure(p.value as BabelTypes.Expression, moved),
      );
    case 'MemberExpression':
      // A built-in's own member: `"".charCodeAt`, `String.fromCharCode`.
      return (
        !node.computed &&
        (node.object.type === 'StringLiteral' ||
          (node.object.type === 'Identifier' &&
            BUILTIN_VALUES.has(node.object.name) &&
            node.object.name !== 'globalThis'))
      );
    case 'NewExpression':
      return (
        node.callee.type === 'Identifier' &&
        TYPED_ARRAYS.has(node.callee.name) &&
        node.arguments.every((a) => a.type === 'NumericLiteral')
      );
    default:
      return false;
  }
}

/**
 * The Babel plugin that moves the bundle's pure top-level constants to the
 * start of its IIFE, in their order (see the file comment). `wasConst`
 * says whether a declaration of the bundle was a `const` in its source
 * (lower.ts reads it from esbuild's source map).
 */
export function pureConstantsFirst(
  wasConst: (declaration: BabelTypes.VariableDeclaration) => boolean,
): (api: { types: Types }) => PluginObj {
  return () => ({
    name: 'chipweb-espruino-pure-constants-first',
    visitor: {
      Program(program) {
        const body = bundleBody(program);
        if (!body) return;
        const moved = new Set<string>();
        const front: BabelTypes.Statement[] = [];
        for (const statement of body) {
          if (!statement.isVariableDeclaration() || statement.node.declarations.length !== 1) continue;
          const declarator = statement.node.declarations[0];
          if (declarator.id.type !== 'Identifier' || !pure(declarator.init, moved) || !declarator.init) continue;
          if (!wasConst(statement.node)) continue;
          moved.add(declarator.id.name);
          front.push(statement.node);
          statement.remove();
        }
        const container = body.length ? body[0].parentPath : null;
        if (container?.isBlockStatement() && front.length) container.unshiftContainer('body', front);
      },
    },
  });
}

/** Whether the top-level statement `statement` runs nothing: a function declaration, or a var of pure values. */
function runsNothing(statement: BabelTypes.Statement, moved: Set<string>): boolean {
  if (statement.type === 'FunctionDeclaration') return true;
  if (statement.type !== 'VariableDeclaration') return false;
  // In order: a declarator may read the ones before it.
  const names = new Set(moved);
  for (const d of statement.declarations) {
    if (!pure(d.init, names)) return false;
    if (d.id.type === 'Identifier') names.add(d.id.name);
  }
  return true;
}

/**
 * Reorders the top-level statements `body` in place (see the file comment):
 * the statement naming the built-ins first, then the pure variables found
 * before the first statement that runs code, then the rest in its order.
 */
export function rootOrder(body: BabelTypes.Statement[], t: Types): void {
  const moved = new Set<string>();
  // A name a function declaration also takes keeps its place: which one wins depends on the order.
  const declared = new Set<string>();
  for (const statement of body)
    if (statement.type === 'FunctionDeclaration' && statement.id) declared.add(statement.id.name);
  const front: BabelTypes.VariableDeclarator[] = [];
  const rest: BabelTypes.Statement[] = [];
  let running = false;
  for (const statement of body) {
    if (running || statement.type !== 'VariableDeclaration' || statement.kind !== 'var') {
      if (!running && !runsNothing(statement, moved)) running = true;
      rest.push(statement);
      continue;
    }
    // Each declarator in turn: the first that may run code stops the moving, here and after.
    const kept: BabelTypes.VariableDeclarator[] = [];
    for (const declarator of statement.declarations) {
      if (
        !running &&
        declarator.id.type === 'Identifier' &&
        !declared.has(declarator.id.name) &&
        declarator.init &&
        pure(declarator.init, moved)
      ) {
        front.push(declarator);
        moved.add(declarator.id.name);
      } else {
        if (declarator.init && !pure(declarator.init, moved)) running = true;
        kept.push(declarator);
      }
    }
    if (kept.length) rest.push(t.variableDeclaration('var', kept));
  }
  const builtins = t.expressionStatement(
    t.sequenceExpression(BUILTINS_FIRST.map((name) => t.unaryExpression('typeof', t.identifier(name)))),
  );
  body.length = 0;
  body.push(builtins);
  if (front.length) body.push(t.variableDeclaration('var', front));
  body.push(...rest);
}

/**
 * How many of the top-level statements `body` are the front rootOrder()
 * writes (the built-ins named, the pure variables): they run none of the
 * bundle's code, so the functions declared after them are declared before
 * anything can call one.
 */
export function frontLength(body: readonly BabelTypes.Statement[]): number {
  const moved = new Set<string>();
  let n = 0;
  for (const statement of body) {
    if (statement.type === 'FunctionDeclaration') break;
    if (
      statement.type === 'ExpressionStatement' &&
      statement.expression.type === 'SequenceExpression' &&
      statement.expression.expressions.every(
        (e) => e.type === 'UnaryExpression' && e.operator === 'typeof' && e.argument.type === 'Identifier',
      )
    ) {
      n++;
      continue;
    }
    if (statement.type !== 'VariableDeclaration' || !runsNothing(statement, moved)) break;
    for (const d of statement.declarations) if (d.id.type === 'Identifier') moved.add(d.id.name);
    n++;
  }
  return n;
}
