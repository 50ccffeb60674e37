/**
 * Shared literals for Espruino (a step of toolchain/espruino/lower.ts): a
 * `null`, `true`, `false` or `''` that is stored (assigned, a variable's
 * first value, an object literal's value, an array literal's element) is
 * read from one variable of the boot code's root instead, made once.
 *
 * Why: Espruino makes a new variable for every such literal it evaluates,
 * and a property or variable that keeps it costs two variables, its name
 * and the value (docs/espruino.md, "What things cost"). An assignment links
 * the name to the value it is given, without a copy, so a property holding
 * the shared value costs its name only. Espruino never changes a value in
 * place while another name holds it (`s += x` appends in place only to a
 * string nothing else holds), so sharing is invisible to the program.
 *
 * The four names are declared after the bundle's hoisted functions, as a
 * constant made of literals, which root-order.ts moves to the front of the
 * root scope: reading one walks past a few names only.
 *
 * Never: replace a literal that is not stored (a comparison, an argument, a
 * return value: nothing keeps it, and the read would cost time for
 * nothing); share any other value.
 */
import type { NodePath, PluginObj, types as BabelTypes } from '@babel/core';
import { bundleBody } from './constants.ts';

type Types = typeof BabelTypes;

/** The names of the shared values, as the bundle declares them (the minifier shortens them). */
export const SHARED_LITERALS = {
  null: '__chipwebNull',
  true: '__chipwebTrue',
  false: '__chipwebFalse',
  empty: '__chipwebEmpty',
} as const;

/** What the step did. */
export interface SharedLiteralsReport {
  /** Stored literals now read from a shared variable. */
  shared: number;
}

/** The shared name for `node`, or undefined when it is not one of the four literals. */
function sharedName(node: BabelTypes.Node): string | undefined {
  if (node.type === 'NullLiteral') return SHARED_LITERALS.null;
  if (node.type === 'BooleanLiteral') return node.value ? SHARED_LITERALS.true : SHARED_LITERALS.false;
  if (node.type === 'StringLiteral' && node.value === '') return SHARED_LITERALS.empty;
  return undefined;
}

/** The Babel plugin; a bundle that is not one IIFE (bundleBody finds none) is left as it is. */
export function shareLiterals(report: SharedLiteralsReport): (api: { types: Types }) => PluginObj {
  return ({ types: t }) => ({
    name: 'chipweb-espruino-shared-literals',
    visitor: {
      Program(program) {
        const body = bundleBody(program);
        if (body === null) return;
        const used = new Set<string>();
        /** Replaces the literal at `path` (a stored value, or a branch of a `?:` that is one). */
        const share = (path: NodePath | null | undefined): void => {
          if (!path?.node) return;
          if (path.isConditionalExpression()) {
            share(path.get('consequent'));
            share(path.get('alternate'));
            return;
          }
          const name = sharedName(path.node);
          if (name === undefined) return;
          path.replaceWith(t.identifier(name));
          used.add(name);
          report.shared++;
        };
        program.traverse({
          AssignmentExpression(path) {
            if (path.node.operator === '=') share(path.get('right'));
          },
          VariableDeclarator(path) {
            share(path.get('init') as NodePath);
          },
          ObjectProperty(path) {
            share(path.get('value') as NodePath);
          },
          ArrayExpression(path) {
            for (const element of path.get('elements')) share(element as NodePath);
          },
        });
        if (used.size === 0) return;
        const values: Record<string, BabelTypes.Expression> = {
          [SHARED_LITERALS.null]: t.nullLiteral(),
          [SHARED_LITERALS.true]: t.booleanLiteral(true),
          [SHARED_LITERALS.false]: t.booleanLiteral(false),
          [SHARED_LITERALS.empty]: t.stringLiteral(''),
        };
        const declaration = t.variableDeclaration(
          'var',
          [...used].sort().map((name) => t.variableDeclarator(t.identifier(name), values[name])),
        );
        // After the hoisted function declarations, which must stay first (lower.ts checks it).
        const first = body.find((statement) => !statement.isFunctionDeclaration());
        if (first === undefined) body[body.length - 1].insertAfter(declaration);
        else first.insertBefore(declaration);
      },
    },
  });
}
