/**
 * Flags as numbers for Espruino (a step of toolchain/espruino/lower.ts): a
 * shortened member (short-names.ts: chipweb's own, which no app code and no
 * string names) that only ever holds a boolean is stored as 1 or 0. A
 * literal is written as its number and any other boolean stored as
 * `+value`; a read whose value is used as it is (returned, passed on,
 * compared with `===`) becomes `!!read`, so what the program sees is a
 * boolean as before; a read that is only tested (`if`, `?:`, `!`, `&&` and
 * `||` in a test) stays.
 *
 * Why: Espruino keeps a property holding a small integer in the one
 * variable that holds its name, and one holding `true` or `false` in two
 * (docs/espruino.md, "What things cost"). Each slot's connection, request
 * head, context and response hold several such flags.
 *
 * A member is a flag when every use of its name is one of:
 *   - `x.name = value` as a statement, where `value` is a boolean: `true`,
 *     `false`, `!…`, a comparison, `instanceof`, `in`, another flag, or
 *     `&&`, `||`, `?:` of those;
 *   - a key of an object literal with such a value;
 *   - a read.
 * Anything else (`++`, `+=`, `delete`, an assignment whose value is used, a
 * method, a value that may not be a boolean, such as a call's) leaves the
 * name as it is, for every object that has it: the names are shared across
 * classes.
 *
 * Never: touch a name the app or a string can reach (only shortened names
 * are candidates, and short-names.ts never shortens a name written in a
 * string, so no `x[key]` with a literal key reads one; a walk over the keys
 * of one of chipweb's own objects would see the numbers, and chipweb's code
 * walks none); let a flag's number escape where a boolean was (every read
 * that is not a test is turned back into a boolean).
 */
import type { NodePath, PluginObj, types as BabelTypes } from '@babel/core';

type Types = typeof BabelTypes;

/** What the step did, for the build's note and the tests. */
export interface FlagsReport {
  /** The names stored as 1 and 0. */
  flags: string[];
  /** Reads turned back into booleans (`!!read`). */
  wrapped: number;
  /** Stored values that are booleans made numbers (`+value`). */
  numbered: number;
}

const COMPARISONS = new Set(['==', '!=', '===', '!==', '<', '<=', '>', '>=', 'instanceof', 'in']);

/** The name of a non-computed member access or object key, or undefined. */
function memberName(node: BabelTypes.Node): string | undefined {
  if ((node.type === 'MemberExpression' || node.type === 'OptionalMemberExpression') && !node.computed)
    return node.property.type === 'Identifier' ? node.property.name : undefined;
  return undefined;
}

/** Whether `node` always evaluates to a boolean, given the names that are flags. */
function isBoolean(node: BabelTypes.Node, flags: ReadonlySet<string>): boolean {
  switch (node.type) {
    case 'BooleanLiteral':
      return true;
    case 'UnaryExpression':
      return node.operator === '!';
    case 'BinaryExpression':
      return COMPARISONS.has(node.operator);
    case 'LogicalExpression':
      return node.operator !== '??' && isBoolean(node.left, flags) && isBoolean(node.right, flags);
    case 'ConditionalExpression':
      return isBoolean(node.consequent, flags) && isBoolean(node.alternate, flags);
    case 'ParenthesizedExpression':
      return isBoolean(node.expression, flags);
    case 'MemberExpression':
      return isFlagRead(node, flags);
    default:
      return false;
  }
}

/** Whether the value at `path` is only tested for truth, never used as it is. */
function onlyTested(path: NodePath): boolean {
  const parent = path.parentPath;
  if (!parent) return false;
  const node = parent.node;
  switch (node.type) {
    case 'UnaryExpression':
      return node.operator === '!';
    case 'IfStatement':
    case 'WhileStatement':
    case 'DoWhileStatement':
    case 'ForStatement':
    case 'ConditionalExpression':
      return path.key === 'test';
    case 'LogicalExpression':
      // The value of `a && b` is one of its operands: each is only tested when the whole is.
      return node.operator !== '??' && onlyTested(parent);
    case 'ParenthesizedExpression':
      return onlyTested(parent);
    default:
      return false;
  }
}

/** Whether `node` reads a flag. */
function isFlagRead(node: BabelTypes.Node, flags: ReadonlySet<string>): boolean {
  const name = memberName(node);
  return name !== undefined && flags.has(name);
}

/** Whether the read at `path` is the whole value stored into a flag (`x.a = y.b`, `{ a: y.b }`). */
function storedInFlag(path: NodePath, flags: ReadonlySet<string>): boolean {
  const parent = path.parentPath;
  if (!parent) return false;
  if (parent.isAssignmentExpression() && path.key === 'right') return isFlagRead(parent.node.left, flags);
  if (parent.isObjectProperty() && path.key === 'value' && !parent.node.computed)
    return parent.node.key.type === 'Identifier' && flags.has(parent.node.key.name);
  return false;
}

/** Whether the assignment at `path` is a statement, its value unused. */
function valueUnused(path: NodePath): boolean {
  const parent = path.parentPath;
  if (!parent) return false;
  if (parent.node.type === 'ExpressionStatement') return true;
  if (parent.node.type === 'SequenceExpression') {
    const last = parent.node.expressions[parent.node.expressions.length - 1] === path.node;
    return !last || valueUnused(parent);
  }
  if (parent.node.type === 'ForStatement') return path.key === 'init' || path.key === 'update';
  return false;
}

/** One use of a candidate name. */
interface Use {
  path: NodePath;
  kind: 'read' | 'write' | 'key';
  /** For a write or key: the value assigned. */
  value?: BabelTypes.Node;
}

/**
 * The step as a Babel plugin. `candidates`: the names it may store as
 * numbers (the shortened ones). `given`: for a script lowered apart with the
 * boot code's names (the OTA module), the boot code's flags, which it
 * follows instead of choosing; a use it cannot follow there fails the build.
 */
export function flagsAsNumbers(
  candidates: ReadonlySet<string>,
  report: FlagsReport,
  given?: ReadonlySet<string>,
): (api: { types: Types }) => PluginObj {
  return ({ types: t }) => ({
    name: 'chipweb-espruino-flags',
    visitor: {
      Program(program) {
        const uses = new Map<string, Use[]>();
        const refused = new Set<string>();
        const note = (name: string, use: Use) => {
          const list = uses.get(name);
          if (list === undefined) uses.set(name, [use]);
          else list.push(use);
        };
        program.traverse({
          'MemberExpression|OptionalMemberExpression'(path: NodePath) {
            const name = memberName(path.node);
            const parent = path.parentPath;
            if (name === undefined || !candidates.has(name) || parent === null) return;
            if (parent.isAssignmentExpression() && path.key === 'left') {
              if (parent.node.operator === '=' && valueUnused(parent))
                note(name, { path, kind: 'write', value: parent.node.right });
              else refused.add(name);
            } else if (
              parent.isUpdateExpression() ||
              (parent.isUnaryExpression() && parent.node.operator === 'delete') ||
              ((parent.isCallExpression() || parent.isOptionalCallExpression()) && path.key === 'callee') ||
              parent.isForInStatement() ||
              parent.isForOfStatement()
            )
              refused.add(name);
            else note(name, { path, kind: 'read' });
          },
          'ObjectProperty|ObjectMethod|ClassProperty|ClassMethod|ClassPrivateProperty'(path: NodePath) {
            const node = path.node as BabelTypes.ObjectProperty | BabelTypes.ObjectMethod;
            if (node.computed || node.key.type !== 'Identifier' || !candidates.has(node.key.name)) return;
            if (node.type === 'ObjectProperty' && path.parentPath?.isObjectExpression())
              note(node.key.name, { path, kind: 'key', value: node.value });
            else refused.add(node.key.name);
          },
        });
        let flags: Set<string>;
        if (given !== undefined) {
          flags = new Set([...uses.keys()].filter((name) => given.has(name)));
          for (const name of flags) {
            const wrong =
              refused.has(name) ||
              (uses.get(name) as Use[]).some((u) => u.kind !== 'read' && !isBoolean(u.value as BabelTypes.Node, given));
            if (wrong)
              throw new Error(
                `lowering for Espruino: '${name}' is a flag (1 or 0) in the boot code, but this script gives it a value that may not be a boolean`,
              );
          }
        } else {
          // Assume every candidate is a flag, then drop those with a value that may not be a boolean
          // (which can make a value that read another name no longer a boolean) until none is dropped.
          flags = new Set([...uses.keys()].filter((name) => !refused.has(name)));
          for (let changed = true; changed; ) {
            changed = false;
            for (const name of flags) {
              const list = uses.get(name) as Use[];
              const writes = list.filter((u) => u.kind !== 'read');
              if (writes.length === 0 || writes.some((u) => !isBoolean(u.value as BabelTypes.Node, flags))) {
                flags.delete(name);
                changed = true;
              }
            }
          }
        }
        for (const name of flags) {
          for (const use of uses.get(name) as Use[]) {
            if (use.kind === 'read') {
              if (!onlyTested(use.path) && !storedInFlag(use.path, flags)) {
                use.path.replaceWith(
                  t.unaryExpression('!', t.unaryExpression('!', use.path.node as BabelTypes.Expression)),
                );
                use.path.skip();
                report.wrapped++;
              }
            } else {
              // The value stored: a number, so that the flag costs no variable of its own after it is set either.
              const owner = use.kind === 'write' ? use.path.parentPath : use.path;
              const valuePath = owner?.get(use.kind === 'write' ? 'right' : 'value') as NodePath;
              const value = valuePath.node;
              if (value.type === 'BooleanLiteral') valuePath.replaceWith(t.numericLiteral(value.value ? 1 : 0));
              else if (!isFlagRead(value, flags)) {
                valuePath.replaceWith(t.unaryExpression('+', value as BabelTypes.Expression));
                report.numbered++;
              }
            }
          }
        }
        report.flags.push(...[...flags].sort());
      },
    },
  });
}
