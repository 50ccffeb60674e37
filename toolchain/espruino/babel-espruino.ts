/**
 * The two Babel plugins of the Espruino lowering (toolchain/espruino/lower.ts):
 *
 * - `espruinoShape`: what preset-env leaves that Espruino still runs
 *   differently. It moves function declarations to the top of their block
 *   (Espruino defines a function only when its declaration runs), makes
 *   classes that extend a native error extend the prelude's plain error
 *   base instead (Espruino cannot call a native constructor as `super`),
 *   gives a derived class with fields an explicit constructor (else
 *   the fields transform writes `super(...args)`: Espruino has no spread),
 *   lowers tagged templates to calls (Espruino cannot parse them),
 *   and moves a class method named with a keyword (`delete`, `in` …) or
 *   a string, which Espruino's class parser refuses, onto the prototype by
 *   assignment (Espruino enumerates class methods like assigned ones).
 * - `espruinoCheck`: finds what no lowering can make run on Espruino
 *   (generators, labels, #private members, globals it lacks, methods read
 *   from built-in prototypes, assigning an array's length …) and records
 *   each with its position, for a build error naming file:line.
 *
 * Never: change what a program means on an engine that runs it as written;
 * report a problem without its position.
 */
import type { NodePath, PluginObj, types as BabelTypes } from '@babel/core';
import { ERROR_BASE } from './prelude.ts';

/** Something the lowering cannot handle, at a position in the code given to Babel. */
export interface FoundProblem {
  /** 1-based line. */
  line: number;
  /** 0-based column. */
  column: number;
  /** What it is, e.g. "generator function". */
  feature: string;
}

/** Native errors Espruino has but cannot extend. */
const NATIVE_ERRORS = new Set(['Error', 'TypeError', 'SyntaxError', 'ReferenceError', 'RangeError', 'InternalError']);

/** Globals Espruino does not have and the prelude cannot stand in for. */
const MISSING_GLOBALS = new Set([
  'Symbol',
  'WeakMap',
  'WeakSet',
  'WeakRef',
  'FinalizationRegistry',
  'Proxy',
  'Reflect',
  'BigInt',
  'Intl',
  'SharedArrayBuffer',
  'Atomics',
  'TextEncoder',
  'TextDecoder',
]);

/** Constructors whose prototype methods are not readable as values on Espruino. */
const BUILTIN_PROTOTYPES = new Set([
  'String',
  'Array',
  'Function',
  'Number',
  'Object',
  'Uint8Array',
  'Int32Array',
  'Uint16Array',
  'ArrayBuffer',
  'Promise',
]);

type Types = typeof BabelTypes;

/** Names Espruino 2v29's class parser refuses as a method name (it reads them as keywords). */
const KEYWORD_METHOD_NAMES = new Set(
  (
    'if else do while for break continue function return var let const this throw try catch finally true false ' +
    'null undefined new in instanceof switch case default delete typeof void debugger class extends super static of'
  ).split(' '),
);

/**
 * The name of a class method Espruino's class parser refuses (a keyword, or
 * a string key: it takes only a plain name there), or '' for any other
 * member. (A number key is refused by espruinoCheck: Espruino does not find
 * a method with a number name through the prototype.)
 */
export function unparsedMethodName(member: BabelTypes.Node): string {
  if ((member.type !== 'ClassMethod' && member.type !== 'ClassPrivateMethod') || member.computed) return '';
  if (member.type === 'ClassMethod' && member.kind === 'constructor') return '';
  const key = member.key;
  if (key.type === 'StringLiteral') return key.value;
  return key.type === 'Identifier' && KEYWORD_METHOD_NAMES.has(key.name) ? key.name : '';
}

/** The prelude's function that makes an array of what is spread or destructured (prelude.ts). */
export const SPREAD = '__chipwebSpread';

/**
 * Whether `node` is an array for sure, so SPREAD need not make one: a
 * literal, SPREAD's own result, `arguments`, or a rest parameter.
 */
function isArrayValue(node: BabelTypes.Node, t: Types, scope: NodePath['scope']): boolean {
  if (t.isArrayExpression(node) || (t.isCallExpression(node) && t.isIdentifier(node.callee, { name: SPREAD })))
    return true;
  if (!t.isIdentifier(node)) return false;
  if (node.name === 'arguments') return true;
  const binding = scope.getBinding(node.name);
  return (
    binding?.kind === 'param' &&
    binding.constant &&
    (binding.path.isRestElement() || binding.path.parentPath?.isRestElement() === true)
  );
}

/** Whether `node` uses `super` outside any nested class or plain function. */
function usesSuper(node: BabelTypes.Node): boolean {
  let found = false;
  const visit = (n: unknown): void => {
    if (found || n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) {
      for (const item of n) visit(item);
      return;
    }
    const typed = n as BabelTypes.Node;
    if (typed.type === 'Super') {
      found = true;
      return;
    }
    if (
      typed !== node &&
      (typed.type === 'FunctionExpression' || typed.type === 'FunctionDeclaration' || typed.type === 'ClassBody')
    )
      return;
    for (const key of Object.keys(typed))
      if (key !== 'loc' && key !== 'leadingComments' && key !== 'trailingComments')
        visit((typed as unknown as Record<string, unknown>)[key]);
  };
  visit(node);
  return found;
}

/**
 * Moves the plain methods of `path`'s class named with a keyword out of its
 * body: `K.prototype.delete = function (…) {…}` (`K.delete` when static),
 * right after a declaration, or in a wrapper around any other expression. A method
 * that uses `super` stays (espruinoCheck reports it).
 */
function moveUnparsedMethods(path: NodePath<BabelTypes.Class>, t: Types): void {
  const isMoved = (m: BabelTypes.Node): m is BabelTypes.ClassMethod =>
    m.type === 'ClassMethod' && m.kind === 'method' && unparsedMethodName(m) !== '' && !usesSuper(m);
  if (!path.node.body.body.some(isMoved)) return;
  // Where the methods go, and the name they reach the class by there.
  const declarator = path.parentPath;
  const statement = declarator?.parentPath;
  let place: 'after declaration' | 'after variable' | 'wrapper' = 'wrapper';
  let target: BabelTypes.Identifier;
  if (path.isClassDeclaration() && path.node.id && Array.isArray(path.container)) {
    place = 'after declaration';
    target = path.node.id;
  } else if (
    declarator?.isVariableDeclarator() &&
    t.isIdentifier(declarator.node.id) &&
    statement?.isVariableDeclaration() &&
    Array.isArray(statement.container)
  ) {
    // `var X = class Y …`: outside the class only X names it, so a moved method's Y becomes X.
    place = 'after variable';
    target = declarator.node.id;
    if (path.node.id && path.node.id.name !== target.name) path.scope.rename(path.node.id.name, target.name);
  } else target = path.node.id ? t.identifier(path.node.id.name) : path.scope.generateUidIdentifier('klass');
  const moved = path.node.body.body.filter(isMoved);
  path.node.body.body = path.node.body.body.filter((m) => !isMoved(m));
  const assignments = moved.map((m) => {
    const name = unparsedMethodName(m);
    const plain = /^[A-Za-z_$][\w$]*$/.test(name);
    return t.expressionStatement(
      t.assignmentExpression(
        '=',
        t.memberExpression(
          m.static ? t.cloneNode(target) : t.memberExpression(t.cloneNode(target), t.identifier('prototype')),
          plain ? t.identifier(name) : t.stringLiteral(name),
          !plain,
        ),
        t.functionExpression(null, m.params as BabelTypes.FunctionExpression['params'], m.body, m.generator, m.async),
      ),
    );
  });
  if (place === 'after declaration') path.insertAfter(assignments);
  else if (place === 'after variable') statement?.insertAfter(assignments);
  // Any other class expression: a wrapper whose parameter has the class's own name (its methods may use it).
  else
    path.replaceWith(
      t.callExpression(
        t.functionExpression(
          null,
          [t.cloneNode(target)],
          t.blockStatement([...assignments, t.returnStatement(t.cloneNode(target))]),
        ),
        [path.node.type === 'ClassDeclaration' ? t.toExpression(path.node) : path.node],
      ),
    );
}

/** Moves the function declarations of a statement list to its front (after nothing else moves). */
export function hoistFunctions(body: BabelTypes.Statement[], t: Types): void {
  let sorted = true;
  let seenOther = false;
  for (const statement of body) {
    if (t.isFunctionDeclaration(statement)) {
      if (seenOther) sorted = false;
    } else seenOther = true;
  }
  if (sorted) return;
  const functions = body.filter((s) => t.isFunctionDeclaration(s));
  const others = body.filter((s) => !t.isFunctionDeclaration(s));
  body.splice(0, body.length, ...functions, ...others);
}

/** The constructor of a class node, if it declares one. */
function constructorOf(node: BabelTypes.Class): BabelTypes.ClassMethod | undefined {
  return node.body.body.find((m): m is BabelTypes.ClassMethod => m.type === 'ClassMethod' && m.kind === 'constructor');
}

/**
 * The parameter names a derived class must pass on to its parent: the
 * nearest constructor up the chain of classes in this program; [] when no
 * class declares one; undefined when a parent is not known here or takes
 * more than plain names.
 */
function inheritedParams(path: NodePath<BabelTypes.Class>, t: Types): string[] | undefined {
  let superClass = path.node.superClass;
  let scope = path.scope;
  for (let depth = 0; depth < 16; depth++) {
    if (!t.isIdentifier(superClass)) return undefined;
    if (superClass.name === ERROR_BASE) return ['message'];
    const binding = scope.getBinding(superClass.name);
    if (!binding) return undefined;
    let parent: NodePath | undefined = binding.path;
    if (parent.isVariableDeclarator()) parent = parent.get('init') as NodePath;
    if (!parent || !(parent.isClassDeclaration() || parent.isClassExpression())) return undefined;
    const ctor = constructorOf(parent.node);
    if (ctor) {
      const names: string[] = [];
      for (const param of ctor.params) {
        if (t.isIdentifier(param)) names.push(param.name);
        else if (t.isAssignmentPattern(param) && t.isIdentifier(param.left)) names.push(param.left.name);
        else return undefined;
      }
      return names;
    }
    superClass = parent.node.superClass;
    scope = parent.scope;
    if (!superClass) return [];
  }
  return undefined;
}

/** Babel plugin: hoist function declarations, and extend the plain error base instead of native errors. */
export function espruinoShape({ types: t }: { types: Types }): PluginObj {
  return {
    name: 'chipweb-espruino-shape',
    visitor: {
      Class(path: NodePath<BabelTypes.Class>) {
        moveUnparsedMethods(path, t);
        if (!path.isClass()) return; // wrapped: the class is visited again inside its wrapper
        const superClass = path.node.superClass;
        if (t.isIdentifier(superClass) && NATIVE_ERRORS.has(superClass.name) && !path.scope.getBinding(superClass.name))
          path.node.superClass = t.identifier(ERROR_BASE);
        // A derived class with fields and no constructor would get `constructor(...args) { super(...args) }`
        // from the class-fields transform, and Espruino has no spread: give it one that names its parameters.
        if (
          path.node.superClass &&
          !constructorOf(path.node) &&
          path.node.body.body.some((m) => m.type === 'ClassProperty')
        ) {
          const names = inheritedParams(path, t);
          if (names !== undefined) {
            const params = names.map((n) => t.identifier(n));
            const call = t.callExpression(
              t.super(),
              names.map((n) => t.identifier(n)),
            );
            path.node.body.body.unshift(
              t.classMethod(
                'constructor',
                t.identifier('constructor'),
                params,
                t.blockStatement([t.expressionStatement(call)]),
              ),
            );
          }
        }
      },
      // Espruino cannot parse a tagged template: the tag is called with the strings (and their raw text) instead.
      TaggedTemplateExpression(path: NodePath<BabelTypes.TaggedTemplateExpression>) {
        const { tag, quasi } = path.node;
        const strings = t.identifier('strings');
        const cooked = t.arrayExpression(
          quasi.quasis.map((q) =>
            q.value.cooked == null ? t.identifier('undefined') : t.stringLiteral(q.value.cooked),
          ),
        );
        const raw = t.arrayExpression(quasi.quasis.map((q) => t.stringLiteral(q.value.raw)));
        const withRaw = t.functionExpression(
          null,
          [strings],
          t.blockStatement([
            t.expressionStatement(
              t.assignmentExpression('=', t.memberExpression(t.cloneNode(strings), t.identifier('raw')), raw),
            ),
            t.returnStatement(t.cloneNode(strings)),
          ]),
        );
        path.replaceWith(
          t.callExpression(tag, [
            t.callExpression(withRaw, [cooked]),
            ...(quasi.expressions as BabelTypes.Expression[]),
          ]),
        );
      },
      Program: {
        exit(path: NodePath<BabelTypes.Program>) {
          // After every other transform: theirs may add declarations anywhere.
          path.traverse({
            BlockStatement(block: NodePath<BabelTypes.BlockStatement>) {
              hoistFunctions(block.node.body, t);
            },
          });
          hoistFunctions(path.node.body, t);
        },
      },
    },
  };
}

/**
 * The operands evaluated before `child` within `parent`, in order, or null
 * when `parent` decides whether `child` runs at all (a condition, a logical
 * operator, a function) or is not an expression this knows.
 */
function operandsBefore(parent: BabelTypes.Node, child: BabelTypes.Node): BabelTypes.Node[] | null {
  let list: (BabelTypes.Node | null | undefined)[];
  switch (parent.type) {
    case 'CallExpression':
    case 'NewExpression':
      // The callee stays where it is: the async transform keeps its `this`.
      if (child === parent.callee) return [];
      list = parent.arguments;
      break;
    case 'ArrayExpression':
      list = parent.elements;
      break;
    case 'ObjectExpression': {
      // A property stands for its value; a method is never hoisted. Past a computed key that does work, nothing
      // is hoisted (the key would then run after its own value).
      const at = parent.properties.indexOf(child as (typeof parent.properties)[number]);
      for (let i = 0; i < at; i++) {
        const p = parent.properties[i];
        if (p.type !== 'SpreadElement' && p.computed && !isQuiet(p.key)) return null;
      }
      list = parent.properties.map((p) => (p.type === 'ObjectMethod' ? null : p));
      break;
    }
    case 'ObjectProperty':
    case 'VariableDeclarator':
      return [];
    case 'AssignmentExpression':
      return child === parent.right && parent.left.type === 'Identifier' ? [] : null;
    case 'ConditionalExpression':
      return child === parent.test ? [] : null;
    case 'SpreadElement':
    case 'AwaitExpression':
    case 'UnaryExpression':
    case 'ParenthesizedExpression':
      return [];
    case 'BinaryExpression':
      list = [parent.left, parent.right];
      break;
    case 'TemplateLiteral':
      list = parent.expressions;
      break;
    case 'SequenceExpression':
      list = parent.expressions;
      break;
    case 'MemberExpression':
      list = [parent.object, parent.property];
      break;
    default:
      return null;
  }
  const at = list.indexOf(child);
  if (at < 0) return null;
  return list.slice(0, at).filter((n): n is BabelTypes.Node => n != null);
}

/** Whether evaluating `node` earlier or later cannot change what happens (a name, a literal, a function). */
function isQuiet(node: BabelTypes.Node): boolean {
  return (
    node.type === 'Identifier' ||
    node.type === 'ThisExpression' ||
    node.type === 'StringLiteral' ||
    node.type === 'NumericLiteral' ||
    node.type === 'BooleanLiteral' ||
    node.type === 'NullLiteral' ||
    node.type === 'ArrowFunctionExpression' ||
    node.type === 'FunctionExpression' ||
    (node.type === 'TemplateLiteral' && node.expressions.length === 0)
  );
}

/**
 * Babel plugin, run before the async transform: in an async function, what
 * an expression evaluates before one of its awaits (`f(a(), b(), await c)`,
 * `{ x: a(), y: await b }`, `${a()}${await b}`) is taken into constants
 * declared just before the statement, in order. babel-plugin-transform-
 * async-to-promises 0.8.18 evaluates such operands in another order (b
 * before a, or after the await); given names, it has nothing to reorder.
 * An await reached through a condition, a logical operator or a loop head is
 * left as it is.
 */
export function awaitOrder({ types: t }: { types: Types }): PluginObj {
  return {
    name: 'chipweb-espruino-await-order',
    visitor: {
      AwaitExpression(path: NodePath<BabelTypes.AwaitExpression>) {
        const levels: BabelTypes.Node[][] = [];
        let child: NodePath = path;
        let parent: NodePath | null = path.parentPath;
        while (parent && !parent.isStatement()) {
          const before = operandsBefore(parent.node, child.node);
          if (before === null) return;
          levels.push(before);
          child = parent;
          parent = parent.parentPath;
        }
        if (
          !parent ||
          !(parent.isExpressionStatement() || parent.isReturnStatement() || parent.isVariableDeclaration()) ||
          !Array.isArray(parent.container)
        )
          return;
        if (parent.isVariableDeclaration() && parent.node.declarations.length !== 1) return;
        const statement = parent;
        // Outermost operands are evaluated first.
        const hoisted: BabelTypes.Statement[] = [];
        for (const before of levels.reverse())
          for (const operand of before) {
            if (isQuiet(operand)) continue;
            const target = operand.type === 'SpreadElement' ? operand.argument : operand;
            if (operand.type === 'ObjectProperty') {
              if (isQuiet(operand.value) || !t.isExpression(operand.value)) continue;
              const name = statement.scope.generateUidIdentifier('before');
              hoisted.push(t.variableDeclaration('const', [t.variableDeclarator(name, operand.value)]));
              operand.value = t.cloneNode(name);
              continue;
            }
            if (!t.isExpression(target) || isQuiet(target)) continue;
            const name = statement.scope.generateUidIdentifier('before');
            hoisted.push(t.variableDeclaration('const', [t.variableDeclarator(name, target)]));
            if (operand.type === 'SpreadElement') operand.argument = t.cloneNode(name);
            else replaceNode(path, operand, t.cloneNode(name));
          }
        if (hoisted.length) statement.insertBefore(hoisted);
      },
    },
  };
}

/**
 * Babel plugin, run before preset-env: loose spread and array
 * destructuring treat every value as an array (`[...new Set(list)]` would be
 * `[set]`), so what is spread or array-destructured goes through
 * __chipwebSpread (the prelude), which keeps an array and makes one of
 * anything else Array.from takes (strings, typed arrays, Map, Set …).
 * Literals, rest parameters and `arguments` are arrays already.
 */
export function iterableSpread({ types: t }: { types: Types }): PluginObj {
  return {
    name: 'chipweb-espruino-iterable-spread',
    visitor: {
      'ArrayExpression|CallExpression|NewExpression'(path: NodePath<BabelTypes.Node>) {
        const node = path.node as BabelTypes.ArrayExpression | BabelTypes.CallExpression | BabelTypes.NewExpression;
        const items = node.type === 'ArrayExpression' ? node.elements : node.arguments;
        for (const item of items)
          if (item && item.type === 'SpreadElement' && !isArrayValue(item.argument, t, path.scope))
            item.argument = t.callExpression(t.identifier(SPREAD), [item.argument]);
      },
      VariableDeclaration(path: NodePath<BabelTypes.VariableDeclaration>) {
        for (const declarator of path.node.declarations) {
          const { id, init } = declarator;
          if (id.type === 'ArrayPattern' && init && !isArrayValue(init, t, path.scope))
            declarator.init = t.callExpression(t.identifier(SPREAD), [init]);
        }
      },
      AssignmentExpression(path: NodePath<BabelTypes.AssignmentExpression>) {
        const { left, right } = path.node;
        if (left.type === 'ArrayPattern' && !isArrayValue(right, t, path.scope))
          path.node.right = t.callExpression(t.identifier(SPREAD), [right]);
      },
    },
  };
}

/**
 * Babel plugin, run before the async transform: an async method's `super.x`
 * is read once at the method's start (`var _super_x = super.x`), and
 * `super.x(…)` becomes `_super_x.call(this, …)`. The async transform moves
 * the code after an await into plain callbacks, where `super` cannot be
 * (Babel then fails; Espruino has no `super` in arrows either). A method is
 * found as it was at the start, as `super.x()` would find it unless the
 * prototype changed; a getter read through `super` runs at the start.
 */
export function asyncSuper({ types: t }: { types: Types }): PluginObj {
  return {
    name: 'chipweb-espruino-async-super',
    visitor: {
      Method(path: NodePath<BabelTypes.Method>) {
        if (!path.node.async) return;
        const names = new Map<string, BabelTypes.Identifier>();
        path.traverse({
          Function(inner: NodePath<BabelTypes.Function>) {
            if (!inner.isArrowFunctionExpression()) inner.skip();
          },
          Class(inner: NodePath<BabelTypes.Class>) {
            inner.skip();
          },
          Super(found: NodePath<BabelTypes.Super>) {
            const member = found.parentPath;
            if (!member.isMemberExpression() || member.node.computed || !t.isIdentifier(member.node.property)) return;
            const use = member.parentPath;
            if (use?.isAssignmentExpression() && use.node.left === member.node) return; // espruinoCheck reports it
            const name = member.node.property.name;
            let local = names.get(name);
            if (!local) {
              local = path.scope.generateUidIdentifier(`super_${name}`);
              names.set(name, local);
            }
            if (use?.isCallExpression() && use.node.callee === member.node)
              use.replaceWith(
                t.callExpression(t.memberExpression(t.cloneNode(local), t.identifier('call')), [
                  t.thisExpression(),
                  ...use.node.arguments,
                ]),
              );
            else member.replaceWith(t.cloneNode(local));
          },
        });
        if (names.size === 0) return;
        const reads = [...names].map(([name, local]) =>
          t.variableDeclarator(local, t.memberExpression(t.super(), t.identifier(name))),
        );
        path.get('body').unshiftContainer('body', t.variableDeclaration('var', reads));
      },
    },
  };
}

/** Replaces `node`, an ancestor's operand on the way from `from` up, with `by`. */
function replaceNode(from: NodePath, node: BabelTypes.Node, by: BabelTypes.Node): void {
  let parent = from.parentPath;
  while (parent) {
    for (const key of Object.keys(parent.node)) {
      const value = (parent.node as unknown as Record<string, unknown>)[key];
      if (value === node) {
        (parent.node as unknown as Record<string, unknown>)[key] = by;
        return;
      }
      if (Array.isArray(value)) {
        const i = value.indexOf(node);
        if (i >= 0) {
          value[i] = by;
          return;
        }
      }
    }
    parent = parent.parentPath;
  }
}

/** Babel plugin factory: records what cannot run on Espruino into `found`. */
export function espruinoCheck(found: FoundProblem[]): (api: { types: Types }) => PluginObj {
  return ({ types: t }) => {
    const report = (node: BabelTypes.Node, feature: string) => {
      const at = node.loc ? node.loc.start : { line: 0, column: 0 };
      found.push({ line: at.line, column: at.column, feature });
    };
    return {
      name: 'chipweb-espruino-check',
      visitor: {
        Function(path: NodePath<BabelTypes.Function>) {
          if (path.node.generator)
            report(path.node, path.node.async ? 'async generator function' : 'generator function (function*)');
        },
        ForOfStatement(path: NodePath<BabelTypes.ForOfStatement>) {
          if (path.node.await) report(path.node, 'for await');
        },
        LabeledStatement(path: NodePath<BabelTypes.LabeledStatement>) {
          report(path.node, `label "${path.node.label.name}:" (Espruino has no labels)`);
        },
        ClassMethod(path: NodePath<BabelTypes.ClassMethod>) {
          if (path.node.key.type === 'NumericLiteral' && !path.node.computed) {
            report(path.node, `a class method named with the number ${path.node.key.value} (give it a name)`);
            return;
          }
          const name = unparsedMethodName(path.node);
          if (name === '' || (path.node.kind === 'method' && !usesSuper(path.node))) return;
          const what =
            path.node.kind === 'method' ? 'method that uses super' : path.node.kind === 'get' ? 'getter' : 'setter';
          report(
            path.node,
            `a class ${what} named "${name}" (Espruino's class parser takes only a plain name there: rename it)`,
          );
        },
        Super(path: NodePath<BabelTypes.Super>) {
          const method = path.getFunctionParent();
          let owner = method;
          while (owner?.isArrowFunctionExpression()) owner = owner.parentPath.getFunctionParent();
          if (!owner?.node.async) return;
          const member = path.parentPath;
          const use = member.parentPath;
          if (
            member.isMemberExpression() &&
            (member.node.computed || (use?.isAssignmentExpression() && use.node.left === member.node))
          )
            report(
              path.node,
              'super[…] or an assignment to super.x in an async method (read it before the method awaits)',
            );
        },
        PrivateName(path: NodePath<BabelTypes.PrivateName>) {
          report(path.node, `#private class member #${path.node.id.name} (use a plain property)`);
        },
        BigIntLiteral(path: NodePath<BabelTypes.BigIntLiteral>) {
          report(path.node, 'BigInt literal');
        },
        MetaProperty(path: NodePath<BabelTypes.MetaProperty>) {
          report(path.node, `${path.node.meta.name}.${path.node.property.name}`);
        },
        Import(path: NodePath<BabelTypes.Import>) {
          report(path.node, 'dynamic import()');
        },
        WithStatement(path: NodePath<BabelTypes.WithStatement>) {
          report(path.node, 'with statement');
        },
        RegExpLiteral(path: NodePath<BabelTypes.RegExpLiteral>) {
          const { pattern, flags } = path.node;
          const flag = flags.replace(/[gim]/g, '');
          if (flag) report(path.node, `regular expression flag "${flag}"`);
          if (/\(\?<[=!]/.test(pattern)) report(path.node, 'regular expression lookbehind');
          else if (/\(\?</.test(pattern)) report(path.node, 'regular expression named group');
        },
        Identifier(path: NodePath<BabelTypes.Identifier>) {
          const name = path.node.name;
          if (!MISSING_GLOBALS.has(name) || !path.isReferencedIdentifier() || path.scope.getBinding(name)) return;
          // `typeof Symbol` guards are how portable code asks; they are fine.
          if (path.parentPath.isUnaryExpression({ operator: 'typeof' })) return;
          report(path.node, `the global ${name} (Espruino has none)`);
        },
        MemberExpression(path: NodePath<BabelTypes.MemberExpression>) {
          const { object, property } = path.node;
          // String.prototype.x read as a value: undefined on Espruino (''.x works).
          if (
            t.isMemberExpression(object) &&
            t.isIdentifier(object.object) &&
            BUILTIN_PROTOTYPES.has(object.object.name) &&
            !path.scope.getBinding(object.object.name) &&
            t.isIdentifier(object.property, { name: 'prototype' }) &&
            !object.computed &&
            !path.node.computed &&
            t.isIdentifier(property) &&
            !(path.parentPath.isAssignmentExpression() && path.parentPath.node.left === path.node)
          ) {
            const owner = object.object.name;
            const example = owner === 'String' ? "''" : owner === 'Array' ? '[]' : `a ${owner} value`;
            report(
              path.node,
              `${owner}.prototype.${property.name} read as a value (undefined on Espruino: take it from ${example})`,
            );
          }
        },
        AssignmentExpression(path: NodePath<BabelTypes.AssignmentExpression>) {
          const left = path.node.left;
          if (t.isMemberExpression(left) && !left.computed && t.isIdentifier(left.property, { name: 'length' }))
            report(path.node, 'assigning to .length (throws on Espruino: use splice, or keep a count)');
        },
      },
    };
  };
}
