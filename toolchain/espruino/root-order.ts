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
 *    up Object. Espruino adds a built-in class to the root scope at the
 *    first such lookup, so the boot code starts with one on a value of each.
 *    Not by naming the class: a class first added to the root by its name
 *    is no longer `===` to its values' `.constructor` on Espruino
 *    (`typeof String; 'x'.constructor === String` is false there).
 * 2. The module variables (`let knownLength = 0`) whose values are
 *    literals: the state a request reads and changes (the parser's known
 *    header section, the last type checked). Then the constants whose
 *    values are made of literals and built-ins only (`const MALFORMED =
 *    /…/`, `const espruino = globalThis`): the regular expressions, strings
 *    and tables the request path reads. They go in front of the functions.
 *    A `const` or `let` may move up the bundle (pureConstantsFirst): nothing
 *    can read or set it before its declaration (that would throw), and
 *    making its value runs nothing. In front of the functions (rootOrder)
 *    goes only what comes before the first statement that runs code.
 *
 * Never: move a variable whose value could run code or read a name of the
 * bundle not moved before it; move one past a statement that runs code.
 */
import { type PluginObj, parseSync, type types as BabelTypes } from '@babel/core';
import { bundleBody } from './constants.ts';

type Types = typeof BabelTypes;

/** The property BUILTINS_FIRST looks up, which no value has. */
export const ROOT_PROBE = '__chipwebRoot';

/**
 * The boot code's first statement: a missing property looked up on a
 * string (String, then Object, join the root scope), a typed array from E
 * (E, Function, Uint8Array, ArrayBufferView), an array and a number; then
 * Math and JSON, which are named (no values). Harmless where E is absent
 * (V8, in tests).
 */
export const BUILTINS_FIRST =
  `''.${ROOT_PROBE},typeof E!="undefined"&&E.toUint8Array&&E.toUint8Array("").${ROOT_PROBE},` +
  `[].${ROOT_PROBE},(0).${ROOT_PROBE},typeof Math,typeof JSON;`;

/**
 * Values a moved variable may hold or read: they run none of the bundle's
 * code, and no polyfill of the prelude or the app can change them (so no
 * member of a built-in: `Math.imul` may be the prelude's).
 */
const BUILTIN_VALUES = new Set(['globalThis', 'Infinity', 'NaN', 'undefined']);
/** Literals a moved variable's arithmetic may combine (no template with expressions: it runs code). */
const PLAIN_LITERALS = new Set(['NumericLiteral', 'StringLiteral', 'BooleanLiteral', 'NullLiteral']);
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
      return PLAIN_LITERALS.has(node.left.type) && PLAIN_LITERALS.has(node.right.type);
    case 'ArrayExpression':
      return node.elements.every(
        (element) => element !== null && element.type !== 'SpreadElement' && pure(element, moved),
      );
    case 'ObjectExpression':
      return node.properties.every(
        (p) => p.type === 'ObjectProperty' && !p.computed && pure(p.value as BabelTypes.Expression, moved),
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
 * start of its IIFE, in their order, its module variables whose values
 * are literals before them (see the file comment). `wasConst` and `wasLet`
 * say whether a declaration of the bundle was a `const` or a `let` in its
 * source (lower.ts reads it from esbuild's source map).
 */
export function pureConstantsFirst(
  wasConst: (declaration: BabelTypes.VariableDeclaration) => boolean,
  wasLet: (declaration: BabelTypes.VariableDeclaration) => boolean = () => false,
): (api: { types: Types }) => PluginObj {
  return () => ({
    name: 'chipweb-espruino-pure-constants-first',
    visitor: {
      Program(program) {
        const body = bundleBody(program);
        if (!body) return;
        const moved = new Set<string>();
        const state: BabelTypes.Statement[] = [];
        const front: BabelTypes.Statement[] = [];
        for (const statement of body) {
          if (!statement.isVariableDeclaration() || statement.node.declarations.length !== 1) continue;
          const declarator = statement.node.declarations[0];
          if (declarator.id.type !== 'Identifier' || !pure(declarator.init, moved) || !declarator.init) continue;
          const isLet = wasLet(statement.node);
          if (!isLet && !wasConst(statement.node)) continue;
          moved.add(declarator.id.name);
          // A variable whose value reads no name needs none before it: the state goes first.
          (isLet && pure(declarator.init, new Set()) ? state : front).push(statement.node);
          statement.remove();
        }
        const container = body.length ? body[0].parentPath : null;
        if (container?.isBlockStatement() && state.length + front.length)
          container.unshiftContainer('body', [...state, ...front]);
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
  const builtins = parseSync(BUILTINS_FIRST, { babelrc: false, configFile: false, sourceType: 'script' })?.program.body;
  if (!builtins) throw new Error('root order: the built-ins statement does not parse');
  body.length = 0;
  body.push(...builtins);
  if (front.length) body.push(t.variableDeclaration('var', front));
  body.push(...rest);
}

/** Whether `statement` is BUILTINS_FIRST: a sequence that starts with the probe on a string. */
function isBuiltinsFirst(statement: BabelTypes.Statement): boolean {
  if (statement.type !== 'ExpressionStatement' || statement.expression.type !== 'SequenceExpression') return false;
  const first = statement.expression.expressions[0];
  return (
    first.type === 'MemberExpression' &&
    first.object.type === 'StringLiteral' &&
    first.property.type === 'Identifier' &&
    first.property.name === ROOT_PROBE
  );
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
    if (isBuiltinsFirst(statement)) {
      n++;
      continue;
    }
    if (statement.type !== 'VariableDeclaration' || !runsNothing(statement, moved)) break;
    for (const d of statement.declarations) if (d.id.type === 'Identifier') moved.add(d.id.name);
    n++;
  }
  return n;
}
