/**
 * Inlining for Espruino (a step of toolchain/espruino/lower.ts): a function
 * declaration or class method called from exactly one place is written
 * into that place, and its definition is dropped. A small one called from a
 * few places (at most MOST_COPIES, of at most MOST_COPIED_NODES) is first
 * copied, one copy per call, when every call is a place it can be written.
 *
 * Why: every function in the boot code costs the board variables for as
 * long as it runs (3 to 4, plus 1 per parameter), and every call costs
 * Espruino's interpreter about 2 µs more than the statements it runs. The
 * core is written as small, named functions for people; the board gets
 * fewer, larger ones. A copy costs flash, which the board has plenty of.
 *
 * Only what keeps its meaning exactly is inlined:
 * - a function declaration whose name is read only as the callee of calls;
 *   a class method whose name appears nowhere else in the program (no
 *   string holds it either) than as `this.m(…)` in other methods of the
 *   same class; or, given the member names of the objects chipweb does not
 *   make (`engineNames`: Espruino's, JavaScript's), a method no such
 *   object has a member of that name for, named nowhere else than as the
 *   callee of calls `x.m(…)`: whatever `x` is there, the call could only
 *   reach this method (the method's `this` becomes `x`, evaluated once,
 *   first, as the call did);
 * - not marked `'cold'` (cold.ts keeps it in flash instead) or `'noinline'`
 *   (NO_INLINE); one marked `'inline'` (INLINE) is copied whatever its size;
 * - with plain parameters and no more arguments than parameters; no
 *   `arguments`, `super`, `new.target`, `let`/`const`, label, nested
 *   function or class; its returns where if/else can take them to the end
 *   (or, in a loop or switch, a flag and a break can), none in a try;
 * - called as a statement of its own: `f(…);`, `var x = f(…);`,
 *   `x = f(…);`, `this.x = f(…);` or `return f(…);`, or where it can be
 *   taken out in front of its statement (see placementOf);
 * - from inside a function that makes no closure (Espruino's closures keep
 *   their whole scope alive: the callee's locals would live as long as the
 *   closures do) and is not the bundle's top level (its locals are the
 *   board's globals);
 * - where each name the callee reads from outside means the same thing.
 *
 * The callee's parameters and locals are renamed to names used nowhere
 * else, its parameters become `var`s set from the arguments (evaluated
 * first, in order, as the call did), and, when the call sits in a loop, its
 * other locals start each pass undefined, as at every call.
 *
 * Never: change what the program does (only its number of functions);
 * inline anything any check here is unsure of; leave a copy behind that
 * could not be inlined (a function is copied only when all its calls can).
 */
import type { NodePath, PluginObj, types as BabelTypes } from '@babel/core';
type Scope = NodePath['scope'];

type Types = typeof BabelTypes;
type FunctionNode = BabelTypes.FunctionDeclaration | BabelTypes.ClassMethod;

/** A call this step will write in place of its callee. */
interface Site {
  callee: NodePath<FunctionNode>;
  call: NodePath<BabelTypes.CallExpression>;
}

/** Whether `path` is the bundle's top-level function: esbuild's IIFE, called as a statement of the program. */
function isBundleTop(path: NodePath): boolean {
  const call = path.parentPath;
  return (
    !!call?.isCallExpression() &&
    !!call.parentPath?.isExpressionStatement() &&
    !!call.parentPath.parentPath?.isProgram()
  );
}

/** Whether the function at `path` makes a function or class anywhere inside it. */
function makesFunctions(path: NodePath<BabelTypes.Function>): boolean {
  let found = false;
  path.traverse({
    Function(inner) {
      found = true;
      inner.stop();
    },
    Class(inner) {
      found = true;
      inner.stop();
    },
  });
  return found;
}

/**
 * The directive that keeps a function out of its callers (`'noinline';` as
 * its body's first statement): a branch the common path passes, moved into
 * a function of its own. Espruino has no syntax tree and reads the code it
 * does not run token by token, a branch not taken and everything after a
 * return alike: about 500 instructions a token on the Linux build, so a
 * branch of 50 tokens costs what four assignments do (callgrind, run 47);
 * a call it does not make costs only the call's tokens. The directive is plain JavaScript and means nothing elsewhere:
 * this step removes it from the boot code once it is done.
 */
export const NO_INLINE = 'noinline';

/**
 * The directive that writes a function into every caller whatever its size
 * (`'inline';` as its body's first statement, removed like NO_INLINE): one
 * a request runs at every request, from a place the size limits (MOST_COPIED_NODES, MOST_BRANCH_NODES)
 * would refuse. A copy where it is not run is read token by token there:
 * for what its other callers, the rarer paths, pay.
 */
export const INLINE = 'inline';

/** Whether `callee` carries the INLINE directive. */
function forced(callee: NodePath<FunctionNode>): boolean {
  return callee.node.body.directives.some((d) => d.value.value === INLINE);
}

/** Whether the body of `callee` is one this step can inline anywhere but `return f(…)` (see the file comment). */
function inlinableBody(callee: NodePath<FunctionNode>): boolean {
  const node = callee.node;
  if (node.async || node.generator) return false;
  // A function marked 'cold' (cold.ts) waits in flash: written into a caller it would cost that caller's runs.
  // One marked 'noinline' holds what its caller's common path does not run: written into the caller, it
  // would be read token by token at every call that passes it (see NO_INLINE).
  if (node.body.directives.some((d) => d.value.value === 'cold' || d.value.value === NO_INLINE)) return false;
  if (!node.params.every((p) => p.type === 'Identifier')) return false;
  if (makesFunctions(callee)) return false;
  let plain = true;
  callee.traverse({
    Identifier(path) {
      if (path.node.name === 'arguments') plain = false;
    },
    Super() {
      plain = false;
    },
    MetaProperty() {
      plain = false;
    },
    VariableDeclaration(path) {
      if (path.node.kind !== 'var') plain = false;
    },
    LabeledStatement() {
      plain = false;
    },
    ThisExpression() {
      // A method's `this` is the caller's (inlinablePlace: a method of the same class); a function's is not.
      if (!callee.isClassMethod()) plain = false;
    },
  });
  return plain;
}

/** The statements of a branch. */
function statementsOf(statement: BabelTypes.Statement): BabelTypes.Statement[] {
  return statement.type === 'BlockStatement' ? statement.body : [statement];
}

/** Whether every path through `list` ends in a return or a throw. */
function ends(list: BabelTypes.Statement[]): boolean {
  const last = list[list.length - 1];
  if (!last) return false;
  if (last.type === 'ReturnStatement' || last.type === 'ThrowStatement') return true;
  if (last.type === 'BlockStatement') return ends(last.body);
  if (last.type === 'IfStatement')
    return !!last.alternate && ends(statementsOf(last.consequent)) && ends(statementsOf(last.alternate));
  return false;
}

/** Whether `node` holds a return statement (the callee makes no functions, so every one is its own). */
function holdsReturn(node: BabelTypes.Node, t: Types): boolean {
  let found = false;
  t.traverseFast(node, (n) => {
    if (n.type === 'ReturnStatement') found = true;
  });
  return found;
}

/** Whether `statement` may be written in two branches: a return of nothing, a name or a literal. */
function smallReturn(statement: BabelTypes.Statement, t: Types): boolean {
  return (
    statement.type === 'ReturnStatement' &&
    (!statement.argument || t.isIdentifier(statement.argument) || t.isLiteral(statement.argument))
  );
}

/** What becomes of a return: the statements that take its value to the call's place. */
type Exit = (value: BabelTypes.Expression | null | undefined) => BabelTypes.Statement[];

/** Whether `statement` is one a `break` leaves: a loop or a switch. */
function breakable(statement: BabelTypes.Statement, t: Types): boolean {
  return t.isLoop(statement) || t.isSwitchStatement(statement);
}

/**
 * `statements`, inside a loop or switch, with every return replaced by
 * `exit(its value); done = true; break;`, and `if (done) break;` after
 * each loop or switch in them that held one (its break left only it).
 * Null when a return is where a break cannot leave from (a try).
 */
function breakOutOfList(
  statements: BabelTypes.Statement[],
  exit: Exit,
  done: BabelTypes.Identifier,
  t: Types,
): BabelTypes.Statement[] | null {
  const out: BabelTypes.Statement[] = [];
  for (const statement of statements) {
    const rewritten = breakOut(statement, exit, done, t);
    if (!rewritten) return null;
    out.push(rewritten);
    // (breakOut gives back a statement that held no return as it was.)
    if (breakable(statement, t) && rewritten !== statement)
      out.push(t.ifStatement(t.cloneNode(done), t.breakStatement()));
  }
  return out;
}

/** One statement for breakOutOfList (a new one where it held a return; null where it cannot be). */
function breakOut(
  statement: BabelTypes.Statement,
  exit: Exit,
  done: BabelTypes.Identifier,
  t: Types,
): BabelTypes.Statement | null {
  if (!holdsReturn(statement, t)) return statement;
  const block = (inner: BabelTypes.Statement) => {
    const list = breakOutOfList(statementsOf(inner), exit, done, t);
    return list && t.blockStatement(list);
  };
  if (t.isLoop(statement)) {
    const body = block(statement.body);
    return body && { ...statement, body };
  }
  switch (statement.type) {
    case 'ReturnStatement':
      return t.blockStatement([
        ...exit(statement.argument),
        t.expressionStatement(t.assignmentExpression('=', t.cloneNode(done), t.booleanLiteral(true))),
        t.breakStatement(),
      ]);
    case 'BlockStatement':
      return block(statement);
    case 'IfStatement': {
      const consequent = block(statement.consequent);
      const alternate = statement.alternate ? block(statement.alternate) : null;
      if (!consequent || (statement.alternate && !alternate)) return null;
      return t.ifStatement(statement.test, consequent, alternate);
    }
    case 'SwitchStatement': {
      const cases: BabelTypes.SwitchCase[] = [];
      for (const c of statement.cases) {
        const consequent = breakOutOfList(c.consequent, exit, done, t);
        if (!consequent) return null;
        cases.push(t.switchCase(c.test, consequent));
      }
      return t.switchStatement(statement.discriminant, cases);
    }
    default:
      return null;
  }
}

/**
 * `list` with every return replaced by `exit(its value)`, so that nothing
 * runs after one: `if (c) return a; rest` becomes `if (c) exit(a) else
 * rest`; a loop or switch that returns sets `done` and breaks, and the rest
 * runs `if (!done)`. Every path through `list` must end in a return or
 * throw. Null when a return is somewhere neither can take it there (a
 * try), or when the statements after an if would have to be written twice.
 */
function tail(
  list: BabelTypes.Statement[],
  exit: Exit,
  done: BabelTypes.Identifier,
  t: Types,
): BabelTypes.Statement[] | null {
  const out: BabelTypes.Statement[] = [];
  for (let i = 0; i < list.length; i++) {
    const statement = list[i];
    if (statement.type === 'ReturnStatement') return out.concat(exit(statement.argument));
    if (!holdsReturn(statement, t)) {
      out.push(statement);
      continue;
    }
    const rest = list.slice(i + 1);
    // Blocks scope nothing here (the code is lowered to `var`), so a block's statements join the list.
    if (statement.type === 'BlockStatement') {
      const flat = tail(statement.body.concat(rest), exit, done, t);
      return flat && out.concat(flat);
    }
    if (breakable(statement, t)) {
      const left = breakOut(statement, exit, done, t);
      const after = tail(rest, exit, done, t);
      if (!left || !after) return null;
      out.push(t.variableDeclaration('var', [t.variableDeclarator(t.cloneNode(done), t.booleanLiteral(false))]), left);
      if (after.length) out.push(t.ifStatement(t.unaryExpression('!', t.cloneNode(done)), t.blockStatement(after)));
      return out;
    }
    if (statement.type !== 'IfStatement') return null;
    const consequent = statementsOf(statement.consequent);
    const alternate = statement.alternate ? statementsOf(statement.alternate) : [];
    const consequentEnds = ends(consequent);
    const alternateEnds = ends(alternate);
    if (!consequentEnds && !alternateEnds && !(rest.length === 1 && smallReturn(rest[0], t))) return null;
    const first = tail(consequentEnds ? consequent : consequent.concat(rest), exit, done, t);
    const second = tail(alternateEnds ? alternate : alternate.concat(rest), exit, done, t);
    if (!first || !second) return null;
    out.push(t.ifStatement(statement.test, t.blockStatement(first), second.length ? t.blockStatement(second) : null));
    return out;
  }
  return out;
}

/** The statement a call is written as, when it is one of the shapes this step inlines. */
function callStatement(call: NodePath<BabelTypes.CallExpression>): NodePath<BabelTypes.Statement> | undefined {
  const parent = call.parentPath;
  if (parent.isExpressionStatement() || parent.isReturnStatement()) return parent;
  if (parent.isVariableDeclarator()) {
    const declaration = parent.parentPath;
    if (
      declaration.isVariableDeclaration() &&
      declaration.node.kind === 'var' &&
      declaration.node.declarations.length === 1
    )
      return declaration;
    return undefined;
  }
  if (parent.isAssignmentExpression({ operator: '=' }) && parent.parentPath.isExpressionStatement()) {
    const left = parent.node.left;
    if (left.type === 'Identifier') return parent.parentPath;
    // this.x = f(…): the receiver is read after the call's body instead of before; `this` cannot change.
    if (left.type === 'MemberExpression' && !left.computed && left.object.type === 'ThisExpression')
      return parent.parentPath;
  }
  return undefined;
}

/**
 * Whether evaluating `node` after the callee's body instead of before it
 * gives the same value: a literal, `this`, a name of the caller's own (the
 * caller makes no closure, so only the caller changes those), a constant,
 * a global never assigned; as the callee of a call, also a method looked up
 * on one of those (`this.m`, `o.m`) by a name never assigned, never an
 * accessor's. A property read as a value is never taken as stable (a
 * getter, `push` changing `length`, `o[k] = v` may change it unseen).
 */
function stable(
  node: BabelTypes.Node,
  caller: NodePath<BabelTypes.Function>,
  assigned: Set<string>,
  asCallee = false,
): boolean {
  switch (node.type) {
    case 'NumericLiteral':
    case 'StringLiteral':
    case 'BooleanLiteral':
    case 'NullLiteral':
    case 'ThisExpression':
      return true;
    case 'Identifier': {
      const binding = caller.scope.getBinding(node.name);
      if (binding && (binding.scope === caller.scope || binding.constant)) return true;
      return !binding && !assigned.has(node.name);
    }
    case 'MemberExpression':
      return (
        asCallee &&
        !node.computed &&
        node.property.type === 'Identifier' &&
        !assigned.has(node.property.name) &&
        (node.object.type === 'ThisExpression' || node.object.type === 'Identifier') &&
        stable(node.object, caller, assigned)
      );
    default:
      return false;
  }
}

/** Where a call not written as a statement of its own can be taken out of its statement. */
interface Placement {
  /** The statement it is evaluated in. */
  statement: NodePath<BabelTypes.Statement>;
  /**
   * The outermost `a && b`, `a || b` or `c ? a : b` whose conditional part
   * holds the call: it is first written as an if statement before
   * `statement` (the call then stands in a statement of its own).
   */
  branch?: NodePath<BabelTypes.LogicalExpression | BabelTypes.ConditionalExpression>;
}

/**
 * Where the call can be taken out in front of its statement, as `var value
 * = f(…);`, because nothing evaluated before it there can differ after:
 * `if (!f(…))`, `x = f(…) + 1;`, `return g(a, f(…).length);` …; or out of
 * the conditional part of `a && f(…)` once that is an if statement.
 */
function placementOf(
  call: NodePath<BabelTypes.CallExpression>,
  caller: NodePath<BabelTypes.Function>,
  assigned: Set<string>,
): Placement | undefined {
  const steady = (node: BabelTypes.Node) => stable(node, caller, assigned);
  let branch: Placement['branch'];
  let path: NodePath = call;
  for (;;) {
    const parent = path.parentPath;
    if (!parent) return undefined;
    const node = path.node;
    const p = parent.node;
    let evaluatedFirst = false;
    if (p.type === 'BinaryExpression') evaluatedFirst = p.left === node || steady(p.left);
    else if (p.type === 'LogicalExpression' || p.type === 'ConditionalExpression') {
      evaluatedFirst = true;
      if (p.type === 'LogicalExpression' ? p.right === node : p.test !== node)
        branch = parent as NodePath<BabelTypes.LogicalExpression | BabelTypes.ConditionalExpression>;
    } else if (p.type === 'UnaryExpression') evaluatedFirst = p.operator !== 'delete';
    else if (p.type === 'MemberExpression') evaluatedFirst = p.object === node;
    else if (p.type === 'CallExpression' || p.type === 'NewExpression') {
      const at = p.arguments.indexOf(node as BabelTypes.Expression);
      evaluatedFirst =
        p.callee === node ||
        (at >= 0 && stable(p.callee, caller, assigned, true) && p.arguments.slice(0, at).every(steady));
    } else if (p.type === 'ArrayExpression') {
      const at = p.elements.indexOf(node as BabelTypes.Expression);
      evaluatedFirst = p.elements.slice(0, at).every((e) => e !== null && steady(e));
    } else if (p.type === 'ObjectProperty' && !p.computed && p.value === node) {
      const object = parent.parent as BabelTypes.ObjectExpression;
      const at = object.properties.indexOf(p);
      if (object.properties.slice(0, at).every((q) => q.type === 'ObjectProperty' && !q.computed && steady(q.value))) {
        path = parent.parentPath as NodePath;
        continue;
      }
    } else if (p.type === 'AssignmentExpression' && p.right === node) {
      // `o.x = f()` evaluates o first, `o.x += f()` reads o.x first.
      const left = p.left;
      if (p.operator !== '=') evaluatedFirst = steady(left);
      else if (left.type === 'Identifier') evaluatedFirst = true;
      else evaluatedFirst = left.type === 'MemberExpression' && !left.computed && steady(left.object);
    }
    if (evaluatedFirst) {
      path = parent;
      continue;
    }
    let statement: NodePath | null = null;
    if (parent.isVariableDeclarator() && parent.node.init === node) {
      const declaration = parent.parentPath;
      if (declaration.isVariableDeclaration() && declaration.node.declarations.length === 1) statement = declaration;
    } else if (
      parent.isExpressionStatement() ||
      parent.isReturnStatement() ||
      parent.isThrowStatement() ||
      (parent.isIfStatement() && parent.node.test === node) ||
      (parent.isSwitchStatement() && parent.node.discriminant === node)
    )
      statement = parent;
    const list = statement?.parentPath;
    if (!statement || !(list?.isBlockStatement() || list?.isSwitchCase())) return undefined;
    return { statement: statement as NodePath<BabelTypes.Statement>, branch };
  }
}

/**
 * Writes `branch` (in `statement`) as an if statement before it, its value
 * in a new variable: `s(a && b)` becomes `var v = a; if (v) v = b; s(v)`,
 * `s(c ? a : b)` becomes `if (c) var v = a; else var v = b; s(v)`.
 */
function unbranch(
  branch: NonNullable<Placement['branch']>,
  statement: NodePath<BabelTypes.Statement>,
  caller: NodePath<BabelTypes.Function>,
  t: Types,
): void {
  const value = caller.scope.generateUidIdentifier('value');
  const node = branch.node;
  const set = (to: BabelTypes.Expression) => t.expressionStatement(t.assignmentExpression('=', t.cloneNode(value), to));
  const declare = (to: BabelTypes.Expression) =>
    t.variableDeclaration('var', [t.variableDeclarator(t.cloneNode(value), to)]);
  let before: BabelTypes.Statement[];
  if (node.type === 'ConditionalExpression')
    before = [
      t.ifStatement(
        node.test,
        t.blockStatement([declare(node.consequent)]),
        t.blockStatement([declare(node.alternate)]),
      ),
    ];
  else {
    const test =
      node.operator === '&&'
        ? t.cloneNode(value)
        : node.operator === '||'
          ? t.unaryExpression('!', t.cloneNode(value))
          : t.binaryExpression('==', t.cloneNode(value), t.nullLiteral());
    before = [declare(node.left), t.ifStatement(test, t.blockStatement([set(node.right)]))];
  }
  branch.replaceWith(t.cloneNode(value));
  statement.insertBefore(before);
}

/**
 * The names whose value may change anywhere in the program: assigned as a
 * variable (`x = …`, `x++`) or a property (`o.x = …`, `delete o.x`), an
 * accessor's, or one a built-in changes by itself (`length` …).
 */
function assignedNames(program: NodePath<BabelTypes.Program>): Set<string> {
  const names = new Set<string>(['length', 'size', 'byteLength', 'byteOffset', 'buffer']);
  const add = (target: BabelTypes.Node) => {
    if (target.type === 'Identifier') names.add(target.name);
    else if (target.type === 'MemberExpression' && !target.computed && target.property.type === 'Identifier')
      names.add(target.property.name);
  };
  program.traverse({
    AssignmentExpression(path) {
      add(path.node.left);
    },
    UpdateExpression(path) {
      add(path.node.argument);
    },
    UnaryExpression(path) {
      if (path.node.operator === 'delete') add(path.node.argument);
    },
    Method(path) {
      const node = path.node;
      if ((node.kind === 'get' || node.kind === 'set') && !node.computed && node.key.type === 'Identifier')
        names.add(node.key.name);
    },
  });
  return names;
}

/**
 * Whether the method `callee` may be written where `x.m(…)` calls it,
 * whatever `x` is: no object chipweb did not make has a member of its
 * name (methodCallGroups found the call).
 */
function anyReceiver(callee: NodePath<FunctionNode>, engineNames: ReadonlySet<string> | null): boolean {
  const key = callee.isClassMethod() ? callee.node.key : null;
  return engineNames !== null && key?.type === 'Identifier' && !engineNames.has(key.name);
}

/** Whether the call is placed where this step may write the callee's body (see the file comment). */
function inlinablePlace(
  site: Site,
  assigned: Set<string>,
  t: Types,
  engineNames: ReadonlySet<string> | null = null,
): boolean {
  const { callee, call } = site;
  const caller = call.getFunctionParent();
  if (!caller || caller === callee || call.isDescendant(callee) || isBundleTop(caller)) return false;
  if (caller.node.async || caller.node.generator || makesFunctions(caller)) return false;
  if (call.node.arguments.length > callee.node.params.length) return false;
  if (!call.node.arguments.every((a) => a.type !== 'SpreadElement' && a.type !== 'ArgumentPlaceholder')) return false;
  // Espruino reads the code it skips token by token: a large body in a branch costs time whenever it is not taken.
  if (inBranch(call) && nodeCount(callee.node, t) > MOST_BRANCH_NODES && !forced(callee)) return false;
  const statement = callStatement(call);
  if (!statement && !placementOf(call, caller, assigned)) return false;
  // Every return must find its place: any is one in `return f(…)`; elsewhere tail() must take it to the end.
  const body = callee.node.body.body;
  const done = t.identifier('done');
  if (!statement?.isReturnStatement() && !tail(ends(body) ? body : body.concat(t.returnStatement()), () => [], done, t))
    return false;
  if (callee.isClassMethod() && !anyReceiver(callee, engineNames)) {
    // `this` in the call is the method's own: the caller is a method of the same class, not an arrow in one.
    if (!caller.isClassMethod() || caller.node.static || caller.parentPath.parent !== callee.parentPath.parent)
      return false;
  }
  // Each name the callee reads from outside resolves to the same binding at the call.
  let same = true;
  callee.traverse({
    Identifier(path: NodePath<BabelTypes.Identifier>) {
      const name = path.node.name;
      const assigned = path.parent.type === 'AssignmentExpression' && path.parent.left === path.node;
      if (!same || !(path.isReferencedIdentifier() || assigned)) return;
      const inner = path.scope.getBinding(name);
      if (inner && ownedBy(inner.scope, callee)) return;
      if (call.scope.getBinding(name) !== inner) same = false;
    },
  });
  return same;
}

/** Whether `scope` is the callee's own or a catch clause's in it (the callee makes no functions). */
function ownedBy(scope: Scope, callee: NodePath<FunctionNode>): boolean {
  return scope === callee.scope || scope.getFunctionParent() === callee.scope;
}

/**
 * Whether the callee's local `name` is set before anything reads or sets
 * it, on every path: its declaration `var name = …` (or a `for (var name =
 * …; …)`) is a statement of the body's own list, and every other mention
 * comes in a later statement of that list (or, for the loop's, inside that
 * loop). The callee makes no functions, so later in the list is later in time.
 */
function setBeforeUse(callee: NodePath<FunctionNode>, name: string): boolean {
  const binding = callee.scope.getBinding(name);
  const declarator = binding?.path;
  if (
    !binding ||
    !declarator?.isVariableDeclarator() ||
    !declarator.node.init ||
    declarator.node.id.type !== 'Identifier'
  )
    return false;
  const list = callee.node.body.body;
  /** The index in the body's list of the statement holding `path`, and that statement. */
  const top = (path: NodePath): [number, NodePath | null] => {
    let p: NodePath | null = path;
    while (p?.parentPath && p.parentPath.node !== callee.node.body) p = p.parentPath;
    return p ? [list.indexOf(p.node as BabelTypes.Statement), p] : [-1, null];
  };
  const declaration = declarator.parentPath;
  const [at, statement] = top(declarator);
  if (at < 0 || !statement || !declaration?.isVariableDeclaration()) return false;
  const loop = statement.isForStatement() && statement.node.init === declaration.node ? statement : null;
  if (!loop && statement.node !== declaration.node) return false;
  const later = (path: NodePath) => {
    if (path === declarator) return true;
    const [index] = top(path);
    if (index > at) return true;
    // In the loop's test, update or body (not its init: another declarator there may come first).
    return index === at && !!loop && !path.findParent((p) => p.node === declaration.node);
  };
  return binding.referencePaths.every(later) && binding.constantViolations.every(later);
}

/** Whether `node` assigns the name `name` (`name = …`, `name += …`, `name++`). */
function assigns(node: BabelTypes.Node, name: string, t: Types): boolean {
  let found = false;
  t.traverseFast(node, (n) => {
    const target = n.type === 'AssignmentExpression' ? n.left : n.type === 'UpdateExpression' ? n.argument : null;
    if (target?.type === 'Identifier' && target.name === name) found = true;
  });
  return found;
}

/**
 * The largest function, in syntax nodes, written into a branch (see
 * inBranch). Espruino has no syntax tree: it reads the code it does not
 * run token by token to skip it, about 0.6 µs a line, so a body written
 * into a branch costs that whenever the branch is not taken, while a call
 * costs about 2.5 µs only when it is. Measured on the JSON app and the
 * default app (2026-12-01, A/B runs of one build): no limit, 1,266 req/s
 * and 5,634 variables after start(); 100, 1,311 and 5,686; 60, 1,320 and
 * 5,815.
 */
const MOST_BRANCH_NODES = 100;

/** Whether `path` sits in a part of its function that may be skipped: a branch of an if, ?:, && or ||, or a switch case. */
function inBranch(path: NodePath): boolean {
  for (let p: NodePath | null = path; p?.parentPath && !p.parentPath.isFunction(); p = p.parentPath) {
    const parent = p.parentPath;
    if (parent.isIfStatement() && p.key !== 'test') return true;
    if (parent.isConditionalExpression() && p.key !== 'test') return true;
    if (parent.isLogicalExpression() && p.key === 'right') return true;
    if (parent.isSwitchCase()) return true;
  }
  return false;
}

/** Whether `path` is inside a loop of its own function. */
function inLoop(path: NodePath): boolean {
  for (let p = path.parentPath; p && !p.isFunction(); p = p.parentPath) if (p.isLoop()) return true;
  return false;
}

/** The function declarations called from exactly one place. */
function functionSites(program: NodePath<BabelTypes.Program>): Site[] {
  return functionCallGroups(program, 1).map(({ callee, calls }) => ({ callee, call: calls[0] }));
}

/** Where each class method is defined, where each member name is mentioned, and the strings the program holds. */
export interface MethodMentions {
  methods: Map<string, NodePath<BabelTypes.ClassMethod>[]>;
  mentions: Map<string, NodePath[]>;
  strings: Set<string>;
}

/** The program's class methods and mentions of member names (see MethodMentions). */
export function methodMentions(program: NodePath<BabelTypes.Program>): MethodMentions {
  const methods = new Map<string, NodePath<BabelTypes.ClassMethod>[]>();
  const mentions = new Map<string, NodePath[]>();
  const strings = new Set<string>();
  const mention = (name: string, path: NodePath) => {
    const list = mentions.get(name);
    if (list) list.push(path);
    else mentions.set(name, [path]);
  };
  program.traverse({
    ClassMethod(path) {
      if (path.node.computed || path.node.key.type !== 'Identifier') return;
      const name = path.node.key.name;
      if (path.node.kind !== 'method' || path.node.static) mention(name, path);
      const list = methods.get(name);
      if (list) list.push(path);
      else methods.set(name, [path]);
    },
    MemberExpression(path) {
      if (!path.node.computed && path.node.property.type === 'Identifier') mention(path.node.property.name, path);
    },
    ObjectProperty(path) {
      if (!path.node.computed && path.node.key.type === 'Identifier') mention(path.node.key.name, path);
    },
    ObjectMethod(path) {
      if (!path.node.computed && path.node.key.type === 'Identifier') mention(path.node.key.name, path);
    },
    ClassProperty(path) {
      if (!path.node.computed && path.node.key.type === 'Identifier') mention(path.node.key.name, path);
    },
    StringLiteral(path) {
      strings.add(path.node.value);
    },
    TemplateElement(path) {
      strings.add(path.node.value.raw);
    },
  });
  return { methods, mentions, strings };
}

/** Which methods may be inlined besides those called only as `this.m(…)` in their class, and which none. */
interface MethodRules {
  /** The member names of objects chipweb does not make (anyReceiver), or null: only `this.m(…)` calls. */
  engineNames: ReadonlySet<string> | null;
  /** Methods another script calls on the program's objects (the OTA module): they stay on their classes. */
  keep: ReadonlySet<string>;
}

/** The class methods named once in the program, and called there as `this.m(…)` (or `x.m(…)`: methodCallGroups). */
function methodSites(program: NodePath<BabelTypes.Program>, rules: MethodRules): Site[] {
  return methodCallGroups(methodMentions(program), 1, rules).map(({ callee, calls }) => ({
    callee,
    call: calls[0],
  }));
}

/** The most times copyForEachCall runs (each pass may make a caller small or called once). */
const MOST_COPY_PASSES = 8;

/** The most places a function is copied into (see copyForEachCall). */
const MOST_COPIES = 8;

/**
 * The largest function, in syntax nodes, copied into more than one place
 * (see copyForEachCall). Measured on the default app (2026-12-01): 60 saves
 * 254 variables, 120 saves 338, 300 saves 384 but costs 10 % of the JSON
 * rate. Espruino skips code it does not run token by token, and a copy
 * inlined into a branch the hot path passes is skipped on every request.
 */
const MOST_COPIED_NODES = 120;

/** A function or method called from a few places, with those calls. */
interface FewCallTarget {
  callee: NodePath<FunctionNode>;
  calls: NodePath<BabelTypes.CallExpression>[];
}

/** The number of syntax nodes in `node`. */
function nodeCount(node: BabelTypes.Node, t: Types): number {
  let count = 0;
  t.traverseFast(node, () => {
    count++;
  });
  return count;
}

/** The function declarations whose name is read only as the callee of calls, 1 to `most` of them. */
function functionCallGroups(program: NodePath<BabelTypes.Program>, most: number): FewCallTarget[] {
  const groups: FewCallTarget[] = [];
  program.traverse({
    FunctionDeclaration(path) {
      const id = path.node.id;
      if (!id) return;
      const binding = path.parentPath.scope.getBinding(id.name);
      if (!binding || binding.path !== path || binding.constantViolations.length) return;
      const references = binding.referencePaths;
      if (references.length === 0 || references.length > most) return;
      const calls: NodePath<BabelTypes.CallExpression>[] = [];
      for (const reference of references) {
        const call = reference.parentPath;
        if (!call?.isCallExpression() || call.node.callee !== reference.node) return;
        calls.push(call);
      }
      groups.push({ callee: path, calls });
    },
  });
  return groups;
}

/**
 * The class methods defined once, held by no string, and named only as
 * `this.m(…)` calls (1 to `most`); with `engineNames`, also as `x.m(…)`
 * calls when no object chipweb did not make has a member of that name.
 * None that `rules.keep` names.
 */
function methodCallGroups(mentioned: MethodMentions, most: number, rules: MethodRules): FewCallTarget[] {
  const { methods, mentions, strings } = mentioned;
  const { engineNames, keep } = rules;
  const groups: FewCallTarget[] = [];
  for (const [name, defined] of methods) {
    const named = mentions.get(name) ?? [];
    if (defined.length !== 1 || named.length === 0 || named.length > most || strings.has(name) || keep.has(name))
      continue;
    const anyReceiver = engineNames !== null && !engineNames.has(name);
    const calls: NodePath<BabelTypes.CallExpression>[] = [];
    for (const member of named) {
      const call = member.parentPath;
      if (!member.isMemberExpression()) break;
      const receiver = member.node.object.type;
      if (receiver !== 'ThisExpression' && (!anyReceiver || receiver === 'Super')) break;
      if (!call?.isCallExpression() || call.node.callee !== member.node) break;
      calls.push(call);
    }
    if (calls.length === named.length) groups.push({ callee: defined[0], calls });
  }
  return groups;
}

/**
 * Gives each call of a small function called from a few places its own
 * copy of the function, under a new name, beside it. Each copy is then
 * called from one place, and the next rounds of inlineSingleCalls write it
 * there: copies cost flash, not variables. Only a function every call of
 * which can be inlined now is copied. Returns how many were.
 */
function copyForEachCall(
  program: NodePath<BabelTypes.Program>,
  assigned: Set<string>,
  refused: WeakSet<BabelTypes.Node>,
  made: Set<BabelTypes.Node>,
  t: Types,
  rules: MethodRules,
): number {
  const mentioned = methodMentions(program);
  const taken = new Set<string>();
  const unusedMember = (base: string) => {
    for (let i = 2; ; i++) {
      const name = `${base}$${i}`;
      if (
        !mentioned.mentions.has(name) &&
        !mentioned.methods.has(name) &&
        !mentioned.strings.has(name) &&
        !taken.has(name)
      ) {
        taken.add(name);
        return name;
      }
    }
  };
  const targets = [
    ...functionCallGroups(program, MOST_COPIES),
    ...methodCallGroups(mentioned, MOST_COPIES, rules),
  ].filter(
    ({ callee, calls }) =>
      calls.length > 1 &&
      !refused.has(callee.node) &&
      (nodeCount(callee.node, t) <= MOST_COPIED_NODES || forced(callee)) &&
      inlinableBody(callee) &&
      calls.every((call) => inlinablePlace({ callee, call }, assigned, t, rules.engineNames)),
  );
  // A target called from inside another's body waits for a later pass: copying that body would copy its call too,
  // so its calls here would no longer be all its calls (whichever of the two came first).
  const owner = new Map<BabelTypes.Node, BabelTypes.Node>();
  for (const { callee } of targets)
    t.traverseFast(callee.node, (node) => {
      owner.set(node, callee.node);
    });
  let copied = 0;
  for (const { callee, calls } of targets) {
    if (calls.some((call) => (owner.get(call.node) ?? callee.node) !== callee.node)) continue;
    for (const call of calls.slice(1)) {
      const copy = t.cloneNode(callee.node, true);
      if (copy.type === 'ClassMethod') {
        const name = unusedMember((copy.key as BabelTypes.Identifier).name);
        copy.key = t.identifier(name);
        (call.node.callee as BabelTypes.MemberExpression).property = t.identifier(name);
      } else {
        const id = program.scope.generateUidIdentifier(copy.id?.name);
        copy.id = id;
        call.node.callee = t.identifier(id.name);
      }
      callee.insertAfter(copy);
      made.add(copy);
    }
    made.add(callee.node);
    copied++;
  }
  return copied;
}

/**
 * Writes the callee's body in place of the call, and drops the callee; or,
 * for a call in `a && f(…)`, first writes that as an if statement and
 * returns false (the next round, from fresh scopes, inlines the call).
 */
function inline(site: Site, assigned: Set<string>, t: Types): boolean {
  const { callee } = site;
  let call = site.call;
  const caller = call.getFunctionParent() as NodePath<BabelTypes.Function>;
  let statement = callStatement(call);
  if (!statement) {
    const placement = placementOf(call, caller, assigned) as Placement;
    if (placement.branch) {
      // The call now stands in the if statement's part; the next round inlines it there.
      unbranch(placement.branch, placement.statement, caller, t);
      return false;
    }
    // `if (!f(a))` becomes `var value = f(a); if (!value)`, then that call is inlined.
    const value = caller.scope.generateUidIdentifier('value');
    const node = call.node;
    call.replaceWith(t.cloneNode(value));
    const [declaration] = placement.statement.insertBefore(
      t.variableDeclaration('var', [t.variableDeclarator(value, node)]),
    );
    call = declaration.get('declarations.0.init') as NodePath<BabelTypes.CallExpression>;
    statement = declaration as NodePath<BabelTypes.Statement>;
  }
  const undef = () => t.unaryExpression('void', t.numericLiteral(0));
  const params = callee.node.params as BabelTypes.Identifier[];
  const args = call.node.arguments as BabelTypes.Expression[];
  // A parameter the callee never assigns takes its argument in place, with no `var p = a;`, when that is
  // a literal or a name the body cannot change (the caller's own: the callee cannot reach it; a constant).
  const passed = new Map<BabelTypes.Identifier, BabelTypes.Expression>();
  params.forEach((param, i) => {
    const binding = callee.scope.getBinding(param.name);
    if (!binding || binding.constantViolations.length) return;
    const arg = args[i];
    if (arg === undefined) passed.set(param, undef());
    else if (t.isNumericLiteral(arg) || t.isStringLiteral(arg) || t.isBooleanLiteral(arg) || t.isNullLiteral(arg))
      passed.set(param, arg);
    else if (arg.type === 'Identifier' && !args.slice(i + 1).some((later) => assigns(later, arg.name, t))) {
      // (Not when a later argument sets the name: `f(x, x++)` passes x's value from before.)
      const outer = caller.scope.getBinding(arg.name);
      if (outer && (outer.scope === caller.scope || outer.constant)) passed.set(param, arg);
    }
  });
  // Names used nowhere else (generateUid checks the whole program), so nothing at the call can clash.
  for (const name of Object.keys(callee.scope.bindings)) callee.scope.rename(name, caller.scope.generateUid(name));
  callee.traverse({
    CatchClause(clause) {
      for (const name of Object.keys(clause.scope.bindings)) clause.scope.rename(name, caller.scope.generateUid(name));
    },
  });
  for (const [param, arg] of passed) {
    if (arg.type === 'Identifier') callee.scope.rename(param.name, arg.name);
    else for (const use of callee.scope.getBinding(param.name)?.referencePaths ?? []) use.replaceWith(t.cloneNode(arg));
  }
  const paramNames = new Set(params.map((p) => p.name));
  const locals = Object.keys(callee.scope.bindings).filter((name) => !paramNames.has(name));

  const out: BabelTypes.Statement[] = [];
  // A method called on another object than the caller's `this` (anyReceiver): its `this` is that object,
  // evaluated once and first, as the call did; a name of the caller's own that no argument sets is used as it is.
  const receiver = callee.isClassMethod() ? (call.node.callee as BabelTypes.MemberExpression).object : null;
  if (receiver && receiver.type !== 'ThisExpression') {
    const own = receiver.type === 'Identifier' ? caller.scope.getBinding(receiver.name) : undefined;
    let self: BabelTypes.Identifier;
    if (
      receiver.type === 'Identifier' &&
      own &&
      (own.scope === caller.scope || own.constant) &&
      !args.some((a) => assigns(a, receiver.name, t))
    )
      self = receiver;
    else {
      self = caller.scope.generateUidIdentifier('self');
      out.push(t.variableDeclaration('var', [t.variableDeclarator(self, receiver as BabelTypes.Expression)]));
    }
    callee.traverse({
      ThisExpression(path) {
        path.replaceWith(t.cloneNode(self));
      },
    });
  }
  const assignedParams = params.filter((p) => !passed.has(p));
  if (assignedParams.length)
    out.push(
      t.variableDeclaration(
        'var',
        assignedParams.map((p) => t.variableDeclarator(t.identifier(p.name), args[params.indexOf(p)] ?? undef())),
      ),
    );
  // At each call its locals start undefined; in a loop, the last pass's values would still be there
  // (not for one the body sets before anything reads it: resetting it would only cost time).
  const unset = inLoop(statement) ? locals.filter((name) => !setBeforeUse(callee, name)) : [];
  if (unset.length)
    out.push(
      t.variableDeclaration(
        'var',
        unset.map((name) => t.variableDeclarator(t.identifier(name), undef())),
      ),
    );
  const body = callee.node.body.body;
  const parent = call.parentPath;
  if (statement.isReturnStatement()) {
    // Its returns are the caller's: they may stay where they are.
    out.push(...body);
    if (!ends(body)) out.push(t.returnStatement());
  } else {
    let exit: Exit;
    if (statement.isVariableDeclaration()) {
      const id = statement.node.declarations[0].id;
      exit = (value) => [
        t.variableDeclaration('var', [t.variableDeclarator(t.cloneNode(id), value ? t.cloneNode(value) : undef())]),
      ];
    } else if (parent.isAssignmentExpression()) {
      const left = parent.node.left;
      exit = (value) => [
        t.expressionStatement(t.assignmentExpression('=', t.cloneNode(left), value ? t.cloneNode(value) : undef())),
      ];
    } else
      exit = (value) =>
        value && !t.isLiteral(value) && !t.isIdentifier(value) ? [t.expressionStatement(t.cloneNode(value))] : [];
    const done = caller.scope.generateUidIdentifier('done');
    out.push(...(tail(ends(body) ? body : body.concat(t.returnStatement()), exit, done, t) as BabelTypes.Statement[]));
  }
  if (
    statement.parentPath.isBlockStatement() ||
    statement.parentPath.isProgram() ||
    statement.parentPath.isSwitchCase()
  )
    statement.replaceWithMultiple(out);
  else statement.replaceWith(t.blockStatement(out));
  callee.remove();
  return true;
}

/**
 * Babel plugin: inlines the functions and methods called from one place
 * (see the file comment). `report.inlined` counts the calls written in
 * place, for the size report; `report.copiesLeft`, the functions copied
 * for each call that are still there at the end (0, or a check here let
 * one through: a test asserts it on the default app); `report.methods`,
 * the methods written in place. `engineNames`: see MethodRules; `keep`:
 * method names another script calls on the program's objects.
 */
export function inlineSingleCalls(
  report: {
    inlined: number;
    copiesLeft: number;
    /** The class methods written into their callers (and dropped), by name. */
    methods?: string[];
  },
  engineNames: ReadonlySet<string> | null = null,
  keep: ReadonlySet<string> = new Set(),
): (api: { types: Types }) => PluginObj {
  const rules: MethodRules = { engineNames, keep };
  return ({ types: t }) => ({
    name: 'chipweb-espruino-inline',
    visitor: {
      Program: {
        exit(program) {
          // Rounds from fresh scopes: within one, a function an inlining changed (its caller, its callee)
          // is left for the next. A body refused stays refused (inlining adds no closure or return to one).
          const refused = new WeakSet<BabelTypes.Node>();
          const made = new Set<BabelTypes.Node>();
          for (let progressed = true, copies = 0; progressed; ) {
            progressed = false;
            program.scope.crawl();
            const assigned = assignedNames(program);
            const touched = new WeakSet<BabelTypes.Node>();
            for (const site of [...functionSites(program), ...methodSites(program, rules)]) {
              const caller = site.call.getFunctionParent();
              if (!caller || refused.has(site.callee.node) || touched.has(site.callee.node) || touched.has(caller.node))
                continue;
              if (!inlinableBody(site.callee)) {
                refused.add(site.callee.node);
                continue;
              }
              if (!inlinablePlace(site, assigned, t, engineNames)) continue;
              touched.add(site.callee.node);
              touched.add(caller.node);
              const key = site.callee.isClassMethod() ? site.callee.node.key : null;
              if (inline(site, assigned, t)) {
                report.inlined++;
                if (key?.type === 'Identifier') report.methods?.push(key.name);
              }
              progressed = true;
            }
            // Nothing left called from one place: a small function called from a few gets a copy per call.
            if (!progressed && copies < MOST_COPY_PASSES) {
              copies++;
              progressed = copyForEachCall(program, assigned, refused, made, t, rules) > 0;
            }
          }
          let left = 0;
          program.traverse({
            'FunctionDeclaration|ClassMethod'(path) {
              if (made.has(path.node)) left++;
            },
            // Its work done, the directive goes: on Espruino it would be a statement run at every call.
            Directive(path) {
              if (path.node.value.value === NO_INLINE || path.node.value.value === INLINE) path.remove();
            },
          });
          report.copiesLeft = left;
        },
      },
    },
  });
}
