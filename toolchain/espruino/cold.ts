/**
 * Cold functions for Espruino (a step of toolchain/espruino/lower.ts): a
 * function or method whose body starts with the directive `'cold'` is kept
 * out of the boot code, in the Storage file COLD_FILE, and made from there
 * each time it is called: `$cold(offset, length, names…)` gives the Function
 * constructor its parameters' names and its body, which Espruino reads in
 * place from flash, and the function it makes is garbage once the call
 * returns. Like the boot code's own top-level functions it has the global
 * scope, so a closure it makes costs what one made in the boot code does.
 *
 * Why: every function the boot code defines costs the board 3 to 4
 * variables, plus 1 per parameter, for as long as it runs, whether it is
 * ever called or not. Much of chipweb runs once at boot (registering
 * routes, starting the server) or only when something goes wrong (a
 * refused request, a handler's error, a Wi-Fi change, an update). Those
 * cost nothing while they are not running; a call costs the time to read
 * the function's text once more (tens of µs on the Linux build), which is
 * why `'cold'` never goes on the request path.
 *
 * The directive is plain JavaScript, and means nothing on XS or Node: the
 * same source runs everywhere, like Espruino's own `"ram"` and `"jit"`.
 *
 * What can be cold, so that nothing changes but where the code is kept:
 * - a function declared at the bundle's top level whose name is only ever
 *   called (`f(…)`, `f.call(…)`, `f.apply(…)`), never read as a value;
 * - a method of a class declared at the top level, not a constructor,
 *   getter or setter, whose name no other member or key of the program has
 *   and no string is (as inline.ts asks of a method it drops), nor any
 *   built-in or Espruino object (`server.listen(…)` is the engine's), and which is only ever called (`x.m(…)`, `x.m.call(…)`,
 *   `x.m.apply(…)`, never `super.m`);
 * - with no `super`, `new.target` or class in its body.
 * Its free names are then the board's globals, which its body sees as the
 * boot code did. A call becomes `$cold(i)(…)` or `$cold(i).call(x, …)`
 * here (moveColdFunctions); once the code is minified and unwrapped,
 * takeColdFunctions cuts the bodies out and gives each call its place in
 * the file and the names its parameters were minified to.
 *
 * A class whose constructor is marked waits in the file whole (a
 * WebSocket session, an update, an error only a failure throws): each
 * read of its name becomes `$cold[i] || ($cold[i] = $cold(i)())`, so the
 * first makes it and it is kept from then on, on the maker itself (every
 * instance then has the one prototype `instanceof` knows). Its name may be
 * read only where code runs after boot: in a function, or in the
 * definition of another class that waits too (`extends`).
 *
 * Never: move a function a check here is unsure of (it stays in the boot
 * code, and `left` says why: a test asserts that nothing marked is left on
 * the default app); put `'cold'` on code every request runs, or on the
 * deepest paths (an event stream's start): a cold call is one more level
 * on Espruino's C stack (the C stack table of `npm run bench:espruino`).
 */
import { type NodePath, type PluginObj, traverse, type types as BabelTypes } from '@babel/core';
import { methodMentions } from './inline.ts';

type Types = typeof BabelTypes;

/** The directive that marks a cold function. */
export const COLD_DIRECTIVE = 'cold';

/** The Storage file that holds the cold functions' texts. */
export const COLD_FILE = 'chipweb.cold';

/** The global the boot code calls to make a cold function (takeColdFunctions defines it: coldMaker). */
export const COLD_CALL = '$cold';

/** The call in the bundle that holds the cold functions until unwrapBundle takes them out. */
export const COLD_HOLDER = '__chipwebColdDefs';

/**
 * The boot code's maker of cold functions, for functions of at most `most`
 * parameters: `$cold(place, length, name…)` makes, with the Function
 * constructor, a function of those parameter names whose code is the
 * file's text at that place, read in place from flash. Such a function has
 * the global scope, as the boot code's own top-level functions have: a
 * closure it makes keeps only the function's own scope, not the maker's.
 */
export function coldMaker(most: number): string {
  const names = Array.from({ length: most }, (_, i) => `p${i}`);
  let make = 'Function(c)';
  for (let k = 1; k <= most; k++) make = `p${k - 1}!==void 0?Function(${names.slice(0, k).join(',')},c):${make}`;
  const read = `require("Storage").read(${JSON.stringify(COLD_FILE)},o,l)`;
  return `function ${COLD_CALL}(${['o', 'l', ...names].join(',')}){var c=${read};return ${make}}`;
}

/** What the step did, for the build's report and its tests. */
export interface ColdReport {
  /** Functions moved out of the boot code (into the file, or dropped). */
  moved: number;
  /** Of those, the ones never called, dropped (the file has no text for them). */
  dropped: number;
  /** Functions marked cold that stayed, each as `name: why`. */
  left: string[];
  /** The names of the methods moved: a script lowered apart that is handed the boot code's objects must not call them. */
  methods: string[];
  /** The classes in the file (their constructor is marked, and something reads them): each is made at its first use, then kept. */
  classes: string[];
}

/**
 * Whether `body` starts with the `'cold'` directive; takes the directive
 * out either way. In a constructor the mark may follow what the compilers
 * put first, where it is a plain statement: the assignments of parameter
 * properties and field initializers (`this.x = …`), after `super(…)`.
 */
function takeDirective(body: BabelTypes.BlockStatement, inConstructor = false): boolean {
  const at = body.directives.findIndex((d) => d.value.value === COLD_DIRECTIVE);
  if (at >= 0) {
    body.directives.splice(at, 1);
    return true;
  }
  if (!inConstructor || body.directives.length > 0) return false;
  const statements = body.body;
  let i = 0;
  while (i < statements.length && isInitializer(statements[i])) i++;
  const mark = statements[i];
  if (
    mark?.type !== 'ExpressionStatement' ||
    mark.expression.type !== 'StringLiteral' ||
    mark.expression.value !== COLD_DIRECTIVE
  )
    return false;
  statements.splice(i, 1);
  return true;
}

/** Takes out a `'cold'` statement `body` has after its start (where it marks nothing); whether it had one. */
function takeMisplacedMark(body: BabelTypes.BlockStatement): boolean {
  const at = body.body.findIndex(
    (st) =>
      st.type === 'ExpressionStatement' &&
      st.expression.type === 'StringLiteral' &&
      st.expression.value === COLD_DIRECTIVE,
  );
  if (at < 0) return false;
  body.body.splice(at, 1);
  return true;
}

/** Whether `statement` is `this.x = …` or `super(…)`: what compilers put at a constructor's start. */
function isInitializer(statement: BabelTypes.Statement): boolean {
  if (statement.type !== 'ExpressionStatement') return false;
  const e = statement.expression;
  if (e.type === 'CallExpression') return e.callee.type === 'Super';
  return (
    e.type === 'AssignmentExpression' &&
    e.operator === '=' &&
    e.left.type === 'MemberExpression' &&
    e.left.object.type === 'ThisExpression' &&
    !e.left.computed
  );
}

/** The esbuild IIFE's function, whose body is the bundle's top level; null when there is none. */
function bundleTop(program: NodePath<BabelTypes.Program>): NodePath<BabelTypes.FunctionExpression> | null {
  for (const statement of program.get('body')) {
    if (!statement.isExpressionStatement()) continue;
    const call = statement.get('expression');
    if (!call.isCallExpression()) continue;
    const callee = call.get('callee');
    if (callee.isFunctionExpression()) return callee;
  }
  return null;
}

/**
 * Why the body of `fn` cannot be made on its own ('' when it can): made
 * apart it sees its own names and the board's globals (the bundle's top
 * level), nothing in between, such as the name a class expression binds
 * for itself (`var A = class _A { m() { return new _A() } }`).
 */
function bodyProblem(fn: NodePath<BabelTypes.Function>, top: NodePath<BabelTypes.FunctionExpression>): string {
  let problem = '';
  fn.traverse({
    Super() {
      problem = 'it uses super';
    },
    Class(inner) {
      problem = 'it makes a class';
      inner.skip();
    },
    MetaProperty() {
      problem = 'it uses new.target';
    },
    ReferencedIdentifier(path) {
      const name = (path.node as BabelTypes.Identifier).name;
      const binding = path.scope.getBinding(name);
      if (!binding || binding.scope === top.scope || binding.scope.path.isProgram()) return;
      const owner = binding.scope.path;
      if (owner !== fn && !owner.isDescendant(fn)) problem = `it reads ${name}, which only its surroundings see`;
    },
  });
  return problem;
}

/** How a mention of a function or method is called: the call to rewrite, or null when it is not a call. */
interface CallUse {
  /** The call. */
  call: NodePath<BabelTypes.CallExpression>;
  /** `x.m.call(…)` / `f.apply(…)`: the call passes its own receiver. */
  explicit: boolean;
}

/** The call `reference` (a function's name, or `x.m`) is the callee of, directly or through `.call`/`.apply`. */
function callOf(reference: NodePath): CallUse | null {
  const parent = reference.parentPath;
  if (!parent) return null;
  if (parent.isCallExpression() && parent.node.callee === reference.node) return { call: parent, explicit: false };
  if (
    parent.isMemberExpression() &&
    parent.node.object === reference.node &&
    !parent.node.computed &&
    parent.node.property.type === 'Identifier' &&
    (parent.node.property.name === 'call' || parent.node.property.name === 'apply')
  ) {
    const outer = parent.parentPath;
    if (outer?.isCallExpression() && outer.node.callee === parent.node) return { call: outer, explicit: true };
  }
  return null;
}

/**
 * The member names `code` (a script lowered apart, such as the OTA module)
 * reads, and the strings it holds: what it could call on an object the boot
 * code hands it.
 */
export function memberNamesIn(code: string, parse: (code: string) => BabelTypes.File): Set<string> {
  const names = new Set<string>();
  traverse(parse(code), {
    MemberExpression(path) {
      if (!path.node.computed && path.node.property.type === 'Identifier') names.add(path.node.property.name);
    },
    StringLiteral(path) {
      names.add(path.node.value);
    },
  });
  return names;
}

/** A function to move: its node, and the calls that will make it from the file instead. */
interface Move {
  fn: NodePath<BabelTypes.FunctionDeclaration | BabelTypes.ClassMethod>;
  calls: CallUse[];
}

/** A class defined at the bundle's top level, and the name the program knows it by. */
interface TopClass {
  /** The class (a declaration, or the expression of `var X = class {…}`). */
  cls: NodePath<BabelTypes.ClassDeclaration | BabelTypes.ClassExpression>;
  /** What defines the name: the declaration, or the declarator. */
  definition: NodePath<BabelTypes.ClassDeclaration | BabelTypes.VariableDeclarator>;
  /** The name. */
  name: string;
}

/** The top-level classes (class declarations, and `var X = class {…}`). */
function topClasses(top: NodePath<BabelTypes.FunctionExpression>): TopClass[] {
  const classes: TopClass[] = [];
  for (const statement of top.get('body').get('body')) {
    if (statement.isClassDeclaration())
      classes.push({ cls: statement, definition: statement, name: statement.node.id?.name ?? '' });
    else if (statement.isVariableDeclaration())
      for (const declarator of statement.get('declarations')) {
        const init = declarator.get('init');
        const id = declarator.node.id;
        if (init.isClassExpression())
          classes.push({ cls: init, definition: declarator, name: id.type === 'Identifier' ? id.name : '' });
      }
  }
  return classes;
}

/**
 * Why the class `c` cannot wait in the file until its first use ('' when it
 * can): its name must only be read, and only where code runs after boot: in
 * a function, or in the definition of a class in `lazy` (made later too).
 * So nothing at boot makes it (a static field, lowered to an assignment
 * after the class, would).
 */
function lazyClassProblem(c: TopClass, top: NodePath<BabelTypes.FunctionExpression>, lazy: TopClass[]): string {
  if (c.name === '') return 'it has no name';
  const binding = top.scope.getBinding(c.name);
  if (!binding || binding.constantViolations.length > 0) return 'its name is assigned';
  const own = c.cls.isClassExpression() && c.cls.node.id ? c.cls.scope.getBinding(c.cls.node.id.name) : undefined;
  if (own && own.referencePaths.length > 0) return `it reads its own name ${own.identifier.name}, which only it sees`;
  const atBoot = binding.referencePaths.find(
    (r) => r.getFunctionParent() === top && !lazy.some((l) => l !== c && r.isDescendant(l.cls)),
  );
  if (atBoot) return `its name is read at boot (line ${atBoot.node.loc?.start.line ?? '?'})`;
  // Espruino reads only a name after extends: only a class that waits too can name it first.
  const base = binding.referencePaths.find((r) => {
    const parent = r.parentPath;
    return parent?.isClass() && parent.node.superClass === r.node && !lazy.some((l) => l.cls.node === parent.node);
  });
  if (base) return `a class that stays in the boot code extends it (line ${base.node.loc?.start.line ?? '?'})`;
  return '';
}

/** The name a marked function is reported by. */
function nameOf(fn: NodePath<BabelTypes.Function>): string {
  const node = fn.node;
  if (node.type === 'ClassMethod' && node.key.type === 'Identifier') return node.key.name;
  if ((node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression') && node.id) return node.id.name;
  const method = fn.findParent((p) => p.isClassMethod() || p.isFunctionDeclaration());
  const inside = method ? ` in ${nameOf(method as NodePath<BabelTypes.Function>)}` : '';
  return `(a function${inside}, line ${node.loc?.start.line ?? '?'})`;
}

/**
 * Babel plugin, run before the async lowering: an async function marked
 * `'cold'` loses its mark and is reported (the lowering moves its body into
 * a function of its own, where the mark would be lost without a word).
 */
export function refuseColdAsync(report: ColdReport): () => PluginObj {
  return () => ({
    name: 'chipweb-espruino-cold-async',
    visitor: {
      Function(path) {
        const body = path.node.body;
        if (!path.node.async || body.type !== 'BlockStatement' || !takeDirective(body)) return;
        report.left.push(`${nameOf(path)}: an async function cannot be cold`);
      },
    },
  });
}

/**
 * Babel plugin: moves the functions marked `'cold'` out of the bundle's top
 * level into one `__chipwebColdDefs([…])` call at its end, and rewrites
 * their calls (see the file comment). Runs on esbuild's bundle, after
 * Babel's lowering and the inlining (which writes no marked function into
 * its caller, but may write others into a marked one). Not `enabled`: only
 * takes the marks out.
 * `engineNames`: the member names of objects chipweb does not make
 * (short-names.ts, engineMemberNames).
 */
export function moveColdFunctions(
  report: ColdReport,
  enabled: boolean,
  engineNames: ReadonlySet<string> = new Set(),
): (api: { types: Types }) => PluginObj {
  return ({ types: t }) => ({
    name: 'chipweb-espruino-cold',
    visitor: {
      // On exit, after the inlining, which is listed before it in the same pass.
      Program: {
        exit(program) {
          const top = bundleTop(program);
          const moves: Move[] = [];
          const marked = new Set<BabelTypes.Node>();
          // Every marked function loses its directive; only those at the top level or in a top-level class can move.
          program.traverse({
            Function(path) {
              const body = path.node.body;
              const inConstructor = path.isClassMethod() && path.node.kind === 'constructor';
              if (body.type !== 'BlockStatement') return;
              if (!takeDirective(body, inConstructor)) {
                if (inConstructor && takeMisplacedMark(body))
                  report.left.push(
                    `constructor (line ${path.node.loc?.start.line ?? '?'}): 'cold' must come first (after only this.x = … and super(…))`,
                  );
                return;
              }
              if (!enabled) return;
              marked.add(path.node);
              const atTop =
                top !== null &&
                ((path.isFunctionDeclaration() && path.parent === top.node.body) ||
                  (path.isClassMethod() && topClasses(top).some((c) => c.cls.node.body === path.parent)));
              if (!atTop) report.left.push(`${nameOf(path)}: not declared at the top level`);
            },
          });
          if (top === null || marked.size === 0) return;
          const { methods, mentions, strings } = methodMentions(program);
          for (const statement of top.get('body').get('body')) {
            if (!statement.isFunctionDeclaration() || !marked.has(statement.node)) continue;
            const name = statement.node.id?.name ?? '';
            const binding = statement.scope.parent?.getBinding(name);
            const calls = binding ? binding.referencePaths.map(callOf) : [];
            const problem =
              bodyProblem(statement, top) ||
              (!binding || binding.constantViolations.length > 0 ? 'its name is assigned' : '') ||
              (calls.some((c) => c === null) ? 'its name is read as a value' : '');
            if (problem) report.left.push(`${name}: ${problem}`);
            else moves.push({ fn: statement, calls: calls as CallUse[] });
          }
          const classes = topClasses(top);
          // A class whose constructor is marked waits in the file whole, until something first reads its name.
          let lazy = classes.filter((c) =>
            c.cls.node.body.body.some((m) => m.type === 'ClassMethod' && m.kind === 'constructor' && marked.has(m)),
          );
          // One kept in the boot code is made at boot, and so is a lazy class its definition reads: until none is left.
          for (let settled = false; !settled; ) {
            settled = true;
            for (const c of lazy) {
              const problem = lazyClassProblem(c, top, lazy);
              if (!problem) continue;
              report.left.push(`class ${c.name || '(a class without a name)'}: ${problem}`);
              lazy = lazy.filter((l) => l !== c);
              settled = false;
              break;
            }
          }
          for (const c of classes)
            for (const member of c.cls.get('body').get('body')) {
              if (!member.isClassMethod() || !marked.has(member.node) || member.node.kind === 'constructor') continue;
              const node = member.node;
              const name = node.key.type === 'Identifier' && !node.computed ? node.key.name : '';
              const uses = (mentions.get(name) ?? []).filter((p) => p.node !== node);
              const calls = uses.map((p) =>
                p.isMemberExpression() && p.node.object.type !== 'Super' ? callOf(p) : null,
              );
              const defined = (methods.get(name) ?? []).length;
              const problem =
                (node.kind !== 'method' ? `a ${node.kind} cannot be cold` : '') ||
                (name === '' ? 'its name is computed' : '') ||
                (engineNames.has(name) ? 'objects chipweb did not make have a member of that name' : '') ||
                bodyProblem(member, top) ||
                (defined > 1 || calls.some((c) => c === null) ? 'its name is defined again or read as a value' : '') ||
                (strings.has(name) ? 'a string is its name' : '');
              if (problem) report.left.push(`${name || nameOf(member)}: ${problem}`);
              else moves.push({ fn: member, calls: calls as CallUse[] });
            }
          if (moves.length === 0 && lazy.length === 0) return;

          // The function texts come first in the file (one for each moved function something calls), then the classes.
          // The classes' reads are rewritten first: a cold call's receiver may be one (`Lazy.make(…)` moves it).
          const functionTexts = moves.filter((m) => m.calls.length > 0).length;
          // Each read of a lazy class's name becomes `$cold[i] || ($cold[i] = $cold(i)())`: made at the first,
          // then kept (on the maker itself), so that every instance has the one prototype `instanceof` knows.
          const made: TopClass[] = [];
          for (const c of lazy) {
            const reads = top.scope.getBinding(c.name)?.referencePaths ?? [];
            if (reads.length === 0) continue; // never read: nothing could make it
            const index = functionTexts + made.length;
            made.push(c);
            const kept = () => t.memberExpression(t.identifier(COLD_CALL), t.numericLiteral(index), true);
            const make = t.callExpression(t.callExpression(t.identifier(COLD_CALL), [t.numericLiteral(index)]), []);
            for (const read of reads)
              read.replaceWith(t.logicalExpression('||', kept(), t.assignmentExpression('=', kept(), make)));
          }
          const texts: BabelTypes.FunctionExpression[] = [];
          for (const move of moves) {
            // One never called is dropped: nothing could make it.
            if (move.calls.length === 0) continue;
            const node = move.fn.node;
            const index = texts.length;
            texts.push(t.functionExpression(null, node.params as BabelTypes.FunctionExpression['params'], node.body));
            for (const { call, explicit } of move.calls) {
              const maker = t.callExpression(t.identifier(COLD_CALL), [t.numericLiteral(index)]);
              const callee = call.node.callee as BabelTypes.MemberExpression | BabelTypes.Identifier;
              if (explicit && callee.type === 'MemberExpression') {
                // f.call(y, …), or x.m.call(y, …) where x is still evaluated first (unless it is a plain name or this).
                const method = callee.object;
                const receiver = method.type === 'MemberExpression' ? method.object : null;
                callee.object =
                  receiver === null || receiver.type === 'Identifier' || receiver.type === 'ThisExpression'
                    ? maker
                    : t.sequenceExpression([receiver as BabelTypes.Expression, maker]);
              } else if (callee.type === 'MemberExpression') {
                // x.m(…) becomes $cold(i).call(x, …): x is still evaluated once, before the arguments.
                call.node.callee = t.memberExpression(maker, t.identifier('call'));
                call.node.arguments.unshift(callee.object as BabelTypes.Expression);
              } else call.node.callee = maker;
            }
          }
          report.moved = moves.length + lazy.length;
          report.dropped = moves.length + lazy.length - functionTexts - made.length;
          report.methods = moves.filter((m) => m.fn.isClassMethod()).map((m) => nameOf(m.fn));
          report.classes = made.map((c) => c.name);
          for (const move of moves) move.fn.remove();
          // Its text returns it (what its cold methods left of it); its definition leaves the boot code.
          for (const c of made) {
            const node = c.cls.node;
            const base = node.superClass ?? null;
            // Espruino reads only a name after `extends`: a base that waits too is named first.
            const named = base !== null && base.type !== 'Identifier';
            const local = t.identifier('$base');
            // Without its name (Espruino parses no named class expression): every read of it now makes or finds it.
            const expression = t.classExpression(null, named ? local : base, node.body);
            const body: BabelTypes.Statement[] = [t.returnStatement(expression)];
            if (named) body.unshift(t.variableDeclaration('var', [t.variableDeclarator(local, base)]));
            texts.push(t.functionExpression(null, [], t.blockStatement(body)));
          }
          for (const c of lazy) c.definition.remove();
          top
            .get('body')
            .pushContainer(
              'body',
              t.expressionStatement(t.callExpression(t.identifier(COLD_HOLDER), [t.arrayExpression(texts)])),
            );
          program.scope.crawl();
        },
      },
    },
  });
}

/** The texts of the cold functions alone: a class's (the file holds them last, see ColdFile) is made after start. */
export function functionTexts(texts: readonly string[], report: Pick<ColdReport, 'classes'>): string[] {
  return texts.slice(0, texts.length - report.classes.length);
}

/** The cold functions taken out of the boot code: the file's bytes and the code that makes them from it. */
export interface ColdFile {
  /** The boot code, calling `$cold(offset, length, names…)` and defining `$cold`. */
  code: string;
  /** COLD_FILE's bytes: each function's text, as `store` gave it. */
  bytes: Uint8Array;
  /**
   * Each function as a function expression (its body is what the file holds, before `store`), in the file's
   * order: the cold functions first, then one for each class in the report's `classes`, in that order.
   */
  texts: string[];
}

/** Whether `node` is a call of the global `name` with one argument of type `argument`. */
function isGlobalCall(node: BabelTypes.Node, name: string, argument: string): boolean {
  return (
    node.type === 'CallExpression' &&
    node.callee.type === 'Identifier' &&
    node.callee.name === name &&
    node.arguments.length === 1 &&
    node.arguments[0].type === argument
  );
}

/** The most rounds takeColdFunctions takes to settle the places (each round's numbers can only grow). */
const MOST_ROUNDS = 20;

/**
 * Takes the cold functions out of the unwrapped, minified boot code (the
 * `__chipwebColdDefs([…])` call moveColdFunctions left): each function's
 * body goes into the file through `store` (pretokenised on a board), each
 * `$cold(i)`, in the boot code and in the bodies, becomes `$cold(offset,
 * length, names…)` (its parameters' names, as the minifier left them),
 * and `$cold` itself is defined ahead of the boot code's functions. Null
 * when the code has none.
 */
export function takeColdFunctions(
  code: string,
  parse: (code: string) => BabelTypes.File,
  store: (text: string) => Uint8Array,
): ColdFile | null {
  const ast = parse(code);
  const body = ast.program.body;
  // The minifier may have joined the holder to the statement before it: it is found anywhere, and left as `0`.
  const holders: BabelTypes.CallExpression[] = [];
  const calls: number[][] = [];
  traverse(ast, {
    CallExpression(path) {
      const node = path.node;
      if (isGlobalCall(node, COLD_HOLDER, 'ArrayExpression')) holders.push(node);
      else if (isGlobalCall(node, COLD_CALL, 'NumericLiteral')) {
        const arg = node.arguments[0] as BabelTypes.NumericLiteral;
        calls.push([arg.start ?? 0, arg.end ?? 0, arg.value]);
      }
    },
  });
  const holder = holders[0];
  if (holder === undefined) return null;
  if ((holder.arguments[0] as BabelTypes.ArrayExpression).elements.length === 0)
    return {
      code: `${code.slice(0, holder.start ?? 0)}0${code.slice(holder.end ?? 0)}`,
      bytes: new Uint8Array(0),
      texts: [],
    };
  const elements = (holder.arguments[0] as BabelTypes.ArrayExpression).elements as BabelTypes.FunctionExpression[];
  const params = elements.map((e) =>
    e.params.map((p) => {
      if (p.type !== 'Identifier') throw new Error('lowering for Espruino: a cold function kept a parameter pattern');
      return p.name;
    }),
  );
  /** code[start, end) with each `$cold(i)` in it written as `$cold(offset, length, its parameters' names)`. */
  const render = (start: number, end: number, places: number[], lengths: number[]): string => {
    let out = '';
    let at = start;
    for (const [s, e, i] of calls) {
      if (s < start || e > end) continue;
      out += `${code.slice(at, s)}${[places[i], lengths[i], ...params[i].map((n) => JSON.stringify(n))].join(',')}`;
      at = e;
    }
    return out + code.slice(at, end);
  };
  calls.sort((a, b) => a[0] - b[0]);
  // The places are numbers in the texts they place: from all 0, each round's can only grow, until they settle.
  let places = elements.map(() => 0);
  let lengths = elements.map(() => 0);
  for (let round = 0; ; round++) {
    if (round === MOST_ROUNDS) throw new Error(`lowering for Espruino: the cold functions' places did not settle`);
    // The file holds each function's body; its parameters' names come with each call.
    // An empty body is stored as `;`: Espruino reads a length of 0 as "to the end of the file".
    const bodies = elements.map(
      (e) => render((e.body.start ?? 0) + 1, (e.body.end ?? 0) - 1, places, lengths).trim() || ';',
    );
    const stored = bodies.map(store);
    const nextLengths = stored.map((b) => b.length);
    const nextPlaces: number[] = [];
    let size = 0;
    for (const n of nextLengths) {
      nextPlaces.push(size);
      size += n;
    }
    if (nextPlaces.every((p, i) => p === places[i]) && nextLengths.every((n, i) => n === lengths[i])) {
      const bytes = new Uint8Array(size);
      for (let i = 0; i < stored.length; i++) bytes.set(stored[i], places[i]);
      const firstFunction = body.find((s) => s.type === 'FunctionDeclaration');
      const makerAt = firstFunction?.start ?? 0;
      const boot =
        render(0, makerAt, places, lengths) +
        `${coldMaker(Math.max(0, ...params.map((p) => p.length)))}\n` +
        render(makerAt, holder.start ?? 0, places, lengths) +
        '0' +
        render(holder.end ?? 0, code.length, places, lengths);
      const texts = bodies.map((text, i) => `(function(${params[i].join(',')}){${text}})`);
      return { code: boot, bytes, texts };
    }
    places = nextPlaces;
    lengths = nextLengths;
  }
}
