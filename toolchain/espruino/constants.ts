/**
 * Constant inlining for Espruino (a step of toolchain/espruino/lower.ts): a
 * top-level `const` of the bundle whose value is a number (`const HEAD = 1`,
 * `const FAILED = -2`, `const LIMIT = 4 * 1024`) is written as that number
 * wherever it is read, and its declaration is dropped.
 *
 * Why: each such name costs the board a variable for as long as it runs,
 * and Espruino finds a name of its root scope by walking the root's list of
 * names, several hundred in the boot code: a name declared late costs about
 * 1 µs more at every read than a literal does.
 *
 * esbuild bundles every top-level `const` as a `var`, so whether a
 * declaration was a `const` in its source comes from esbuild's source map
 * (`wasConst`). Only a `const` is inlined: nothing can read it before its
 * declaration ran (that read would throw), and nothing can assign it, so
 * its number is what every read sees. A declaration Babel cannot prove
 * unassigned in the bundle, or any other value, stays as it is.
 *
 * Never: inline a `var` or `let` (a read before its declaration ran sees
 * undefined, and the literal would change that), or a value that is not a
 * number made of literals and other inlined constants.
 */
import type { NodePath, PluginObj, types as BabelTypes } from '@babel/core';

type Types = typeof BabelTypes;

/** Operators a constant's value may use: each gives the same number wherever it is evaluated. */
const NUMERIC_BINARY = new Set(['+', '-', '*', '/', '%', '**', '<<', '>>', '>>>', '|', '&', '^']);
const NUMERIC_UNARY = new Set(['-', '+', '~']);

/** Whether `node` is a number made of literals, the operators above and names already inlined. */
function numeric(node: BabelTypes.Node, values: Map<string, BabelTypes.Expression>): boolean {
  switch (node.type) {
    case 'NumericLiteral':
      return true;
    case 'UnaryExpression':
      return NUMERIC_UNARY.has(node.operator) && numeric(node.argument, values);
    case 'BinaryExpression':
      return NUMERIC_BINARY.has(node.operator) && numeric(node.left, values) && numeric(node.right, values);
    case 'ParenthesizedExpression':
      return numeric(node.expression, values);
    case 'Identifier':
      return values.has(node.name);
    default:
      return false;
  }
}

/** `node` with the names of inlined constants replaced by their values. */
function substituted(node: BabelTypes.Expression, values: Map<string, BabelTypes.Expression>, t: Types) {
  const copy = t.cloneNode(node, true);
  if (copy.type === 'Identifier') return t.cloneNode(values.get(copy.name) as BabelTypes.Expression, true);
  t.traverseFast(copy, (n) => {
    for (const key of ['left', 'right', 'argument', 'expression'] as const) {
      const child = (n as unknown as Record<string, BabelTypes.Node | undefined>)[key];
      if (child?.type === 'Identifier' && values.has(child.name))
        (n as unknown as Record<string, BabelTypes.Node>)[key] = t.cloneNode(
          values.get(child.name) as BabelTypes.Expression,
          true,
        );
    }
  });
  return copy;
}

/** The statements of the bundle's IIFE (esbuild's `(() => { … })();`), or null when the program is not one. */
export function bundleBody(program: NodePath<BabelTypes.Program>): NodePath<BabelTypes.Statement>[] | null {
  for (const statement of program.get('body')) {
    if (!statement.isExpressionStatement()) continue;
    const call = statement.get('expression');
    if (!call.isCallExpression() || call.node.arguments.length) continue;
    const callee = call.get('callee');
    if (!callee.isArrowFunctionExpression() && !callee.isFunctionExpression()) continue;
    const body = (callee as NodePath<BabelTypes.ArrowFunctionExpression | BabelTypes.FunctionExpression>).get('body');
    if (body.isBlockStatement()) return body.get('body');
  }
  return null;
}

/**
 * The Babel plugin. `wasConst` says whether the declaration at a place of
 * the bundle was a `const` in its source; `report.inlined` counts the
 * constants inlined.
 */
export function inlineConstants(
  wasConst: (declaration: BabelTypes.VariableDeclaration) => boolean,
  report: { inlined: number },
): (api: { types: Types }) => PluginObj {
  return ({ types: t }) => ({
    name: 'chipweb-espruino-constants',
    visitor: {
      Program(program) {
        const body = bundleBody(program);
        if (!body) return;
        const values = new Map<string, BabelTypes.Expression>();
        for (const statement of body) {
          if (!statement.isVariableDeclaration() || statement.node.declarations.length !== 1) continue;
          const declarator = statement.get('declarations')[0];
          const id = declarator.node.id;
          const init = declarator.node.init;
          if (id.type !== 'Identifier' || !init || !numeric(init, values)) continue;
          const binding = statement.scope.getBinding(id.name);
          if (!binding?.constant || binding.path !== declarator || !wasConst(statement.node)) continue;
          const value = substituted(init, values, t);
          for (const reference of binding.referencePaths) {
            const parent = reference.parentPath;
            if (parent?.isObjectProperty() && parent.node.shorthand) parent.node.shorthand = false;
            reference.replaceWith(t.cloneNode(value, true));
          }
          values.set(id.name, value);
          statement.remove();
          report.inlined++;
        }
      },
    },
  });
}
