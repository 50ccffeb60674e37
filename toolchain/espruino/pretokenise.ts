/**
 * Pretokenises lowered code for Espruino, as Espruino's own tools do before
 * they save code to Storage: reserved words and operators become one byte
 * each (Espruino's token numbers, src/jslex.h), string literals become raw
 * strings (a length and the bytes, no escapes to decode) and small integers
 * raw integers.
 *
 * Why: on a board the boot code runs from flash, and Espruino's lexer reads
 * a raw string longer than one variable's characters as a reference into
 * flash, where a quoted literal is copied into RAM character by character
 * every time it is evaluated. Keywords cost a byte to read, not a word.
 *
 * The bytes must reach the engine as a string (Storage, `eval`), never as
 * a C string: a raw integer may hold a zero byte (Espruino's Linux build
 * reads a script named on its command line as one).
 *
 * Never: tokenise a word where the parser would see a name (a property after
 * `.`, an object key: Babel labels those names); turn a string with a
 * character above 127 into a raw string (an engine with Unicode reads a
 * quoted literal as UTF-8, a raw string as bytes); tokenise `catch`
 * (Espruino's own tools leave it as text since espruino/Espruino#1868;
 * 2v29 reads its token correctly, but the saving is four bytes).
 */
import { parseSync, traverse } from '@babel/core';

/** Token numbers of Espruino 2v29 (src/jslex.h), from LEX_EQUAL on. */
const OPERATORS = [
  '==',
  '===',
  '!=',
  '!==',
  '<=',
  '<<',
  '<<=',
  '>=',
  '>>',
  '>>>',
  '>>=',
  '>>>=',
  '+=',
  '-=',
  '++',
  '--',
  '*=',
  '/=',
  '%=',
  '&=',
  '&&',
  '|=',
  '||',
  '^=',
  '=>',
];
const RESERVED = [
  'if',
  'else',
  'do',
  'while',
  'for',
  'break',
  'continue',
  'function',
  'return',
  'var',
  'let',
  'const',
  'this',
  'throw',
  'try',
  'catch',
  'finally',
  'true',
  'false',
  'null',
  'undefined',
  'new',
  'in',
  'instanceof',
  'switch',
  'case',
  'default',
  'delete',
  'typeof',
  'void',
  'debugger',
  'class',
  'extends',
  'super',
  'static',
  'of',
];
const OPERATOR_START = 138;
const RESERVED_START = OPERATOR_START + OPERATORS.length;
const RAW_STRING8 = 0xd1;
const RAW_STRING16 = 0xd2;
const RAW_INT0 = 0xd3;
const RAW_INT8 = 0xd4;
const RAW_INT16 = 0xd5;

interface BabelToken {
  type: { label: string; keyword?: string } | string;
  value: unknown;
  start: number;
  end: number;
}

/** `code` pretokenised, as the bytes to store. */
export function pretokenise(code: string): Uint8Array {
  const ast = parseSync(code, {
    babelrc: false,
    configFile: false,
    sourceType: 'script',
    // A cold function's body is stored alone (cold.ts): its returns are outside any function.
    parserOpts: { tokens: true, allowReturnOutsideFunction: true },
  }) as unknown as { tokens: BabelToken[] } | null;
  if (!ast) throw new Error('pretokenise: the code does not parse');
  // Template literals by where they start: one without substitutions is a string (its cooked value); one with
  // them stays text whole, as Espruino lexes it as one string (a token byte inside could be a brace or a zero).
  const templates = new Map<number, { end: number; value: string | null }>();
  traverse(ast as never, {
    TemplateLiteral(path) {
      const node = path.node;
      const cooked = node.quasis[0].value.cooked;
      if (node.start == null || node.end == null) return;
      const plain = node.expressions.length === 0 && typeof cooked === 'string';
      templates.set(node.start, { end: node.end, value: plain ? cooked : null });
    },
  });
  const out: number[] = [];
  const text = (s: string) => {
    for (const b of Buffer.from(s, 'utf8')) out.push(b);
  };
  let last = 0; // end of the previous token in `code`
  let lastWasText = false;
  const tokens = ast.tokens.filter((t) => typeof t.type !== 'string' && t.type.label !== 'eof');
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    const type = token.type as { label: string; keyword?: string };
    const gap = code.slice(last, token.start);
    const source = code.slice(token.start, token.end);
    let bytes: number[] | null = null;
    let end = token.end;
    const template = type.label === '`' ? templates.get(token.start) : undefined;
    if (template) {
      end = template.end;
      while (i + 1 < tokens.length && tokens[i + 1].start < end) i++;
    }
    const stringValue =
      type.label === 'string' ? (token.value as string) : template?.value != null ? template.value : undefined;
    if (stringValue !== undefined && stringValue.length > 0 && stringValue.length < 65536 && isAscii(stringValue)) {
      const raw = Array.from(stringValue, (c) => c.charCodeAt(0));
      const length = raw.length;
      bytes = length < 256 ? [RAW_STRING8, length, ...raw] : [RAW_STRING16, length & 255, length >> 8, ...raw];
    } else if (type.label === 'num' && Number.isInteger(token.value) && /^[0-9]+$/.test(source)) {
      const value = token.value as number;
      if (value === 0) bytes = [RAW_INT0];
      else if (value < 128) bytes = [RAW_INT8, value];
      else if (value < 32768) bytes = [RAW_INT16, value & 255, value >> 8];
    } else if (type.keyword && type.keyword !== 'catch' && RESERVED.includes(type.keyword)) {
      bytes = [RESERVED_START + RESERVED.indexOf(type.keyword)];
    } else if (OPERATORS.includes(source) && type.label !== 'name') {
      bytes = [OPERATOR_START + OPERATORS.indexOf(source)];
    }
    if (bytes) {
      // A newline may end a statement (no semicolon inserted otherwise): keep it.
      if (gap.includes('\n')) out.push(10);
      for (const b of bytes) out.push(b);
      lastWasText = false;
    } else {
      // Text beside text keeps the gap's separation, whitespace or a comment (`a+ +b`, `a+/**/+b`, `return x`).
      if (gap.includes('\n')) out.push(10);
      else if (lastWasText && gap.length > 0) out.push(32);
      text(code.slice(token.start, end));
      lastWasText = true;
    }
    last = end;
  }
  return Uint8Array.from(out);
}

/** Whether a `/` after `before` starts a regular expression rather than a division. */
function regexMayStart(before: string): boolean {
  const trimmed = before.trimEnd();
  if (trimmed === '') return true;
  if (/(?:\+\+|--)$/.test(trimmed)) return false; // `i++ / 2`: minified code has no prefix `++` before a regex
  if (/[(,=:[!&|?{};+\-*%<>~^]$/.test(trimmed)) return true;
  return /(?:^|[^A-Za-z0-9_$])(?:return|typeof|case|do|else|in|of|new|delete|void|throw|instanceof)$/.test(trimmed);
}

function isAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 127) return false;
  return true;
}

/**
 * Pretokenised bytes as source text again, as Espruino prints a function
 * (src/jslex.c, jslPrintTokenisedString): for reading a board's Storage
 * file, and for the tests' round trip.
 */
export function detokenise(bytes: Uint8Array): string {
  let out = '';
  let prior = ''; // the last character written, to separate words
  const word = (s: string) => {
    // What the lexer would read as one: two words, `a-` and `--b`, `1` and `.x`.
    if (
      (/[A-Za-z0-9_$]$/.test(prior) && /^[A-Za-z0-9_$]/.test(s)) ||
      (/\+$/.test(prior) && /^\+/.test(s)) ||
      (/-$/.test(prior) && /^-/.test(s)) ||
      (/[0-9]$/.test(prior) && /^\./.test(s))
    )
      out += ' ';
    out += s;
    prior = s;
  };
  let text = '';
  const flush = () => {
    if (text) word(Buffer.from(text, 'latin1').toString('utf8'));
    text = '';
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    // A quoted string or a regular expression is read whole, as Espruino's lexer does: its bytes are never tokens.
    const closing =
      b === 0x22 || b === 0x27 || b === 0x60
        ? b
        : b === 0x2f && regexMayStart((out.slice(-16) + text).slice(-16))
          ? b
          : -1;
    if (closing >= 0) {
      let end = i + 1;
      while (end < bytes.length && bytes[end] !== closing) end += bytes[end] === 0x5c ? 2 : 1;
      if (closing === 0x2f) while (end + 1 < bytes.length && /[a-z]/.test(String.fromCharCode(bytes[end + 1]))) end++;
      text += String.fromCharCode(...bytes.subarray(i, end + 1));
      i = end;
      continue;
    }
    if (b < 128) {
      text += String.fromCharCode(b);
      continue;
    }
    if (b >= OPERATOR_START && b < RESERVED_START) {
      flush();
      word(OPERATORS[b - OPERATOR_START]);
    } else if (b >= RESERVED_START && b < RESERVED_START + RESERVED.length) {
      flush();
      word(RESERVED[b - RESERVED_START]);
    } else if (b === RAW_STRING8 || b === RAW_STRING16) {
      flush();
      const length = b === RAW_STRING8 ? bytes[i + 1] : bytes[i + 1] | (bytes[i + 2] << 8);
      const from = i + (b === RAW_STRING8 ? 2 : 3);
      word(JSON.stringify(String.fromCharCode(...bytes.subarray(from, from + length))));
      i = from + length - 1;
    } else if (b === RAW_INT0) {
      flush();
      word('0');
    } else if (b === RAW_INT8) {
      flush();
      word(String((bytes[i + 1] << 24) >> 24));
      i += 1;
    } else if (b === RAW_INT16) {
      flush();
      word(String(((bytes[i + 1] | (bytes[i + 2] << 8)) << 16) >> 16));
      i += 2;
    } else text += String.fromCharCode(b); // a byte of a UTF-8 character in a quoted string or a name
  }
  flush();
  return out;
}
