// What Espruino's interpreter pays for the pieces a request path is made of, for
// `npm run bench:espruino`: a statement, a call, and the native string work on a
// browser's request head (HEAD, filled in by the benchmark), in microseconds on this
// binary. The ratio of chipweb to the http module follows from these: the http
// module parses in C. The benchmark writes a copy with HEAD filled in and reads the
// line `@@primitives done {…}`. Never: serve anything; time more than one thing a loop.
var HEAD = 0;
var ROUNDS = 400;
var bytes = new Uint8Array(HEAD.length);
for (let b = 0; b < HEAD.length; b++) bytes[b] = HEAD.charCodeAt(b);
// A line with a bad name anywhere: a start that is no token character, or a name not followed by ':'.
var BAD_LINE = /\n[^!#$%&'*+.^_`|~0-9A-Za-z\r-]|\n[!#$%&'*+.^_`|~0-9A-Za-z-]+[^!#$%&'*+.^_`|~0-9A-Za-z:-]/;
var TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
var sink = 0;
function add(a, b) {
  return a + b;
}
function nothing() {}
// Microseconds per round of `body`, less a round that calls an empty function.
function time(body) {
  var i;
  var start = getTime();
  for (i = 0; i < ROUNDS; i++) body();
  var spent = getTime() - start;
  start = getTime();
  for (i = 0; i < ROUNDS; i++) nothing();
  var empty = getTime() - start;
  return Math.round(((spent - empty) / ROUNDS) * 1e7) / 10;
}
// A function that returns early, with and without 50 lines after the return: Espruino reads the lines it
// skips token by token (it has no syntax tree), so their cost shows even though they never run.
var skipped = { a: 1, b: 0 };
var tail = '';
for (let line = 0; line < 50; line++)
  tail += `if (skipped.a > ${line}) { skipped.b = skipped.a + ${line} * skipped.b; } else skipped.b = 'x${line}';\n`;
// biome-ignore lint/security/noGlobalEval: the 50 lines are made by the loop above, so that this file stays short.
eval(`function returnsPast50Lines(x) { if (x) { skipped.b = 1; return; }\n${tail}}`);
// biome-ignore lint/security/noGlobalEval: as above.
eval(`function the50Lines(x) {\n${tail}}`);
function returnsPastACall(x) {
  if (x) {
    skipped.b = 1;
    return;
  }
  the50Lines(x);
}
function returnsAlone(x) {
  if (x) {
    skipped.b = 1;
    return;
  }
}
var text = E.toString(bytes);
var results = {
  headBytes: HEAD.length,
  // The request line, the header lines, the blank line: split gives one more piece after it.
  headerLines: text.split('\n').length - 3,
  statement: time(() => {
    sink = sink + 1;
  }),
  call: time(() => {
    sink = add(sink, 1);
  }),
  earlyReturn: time(() => {
    returnsAlone(1);
  }),
  earlyReturnPast50Lines: time(() => {
    returnsPast50Lines(1);
  }),
  earlyReturnPastACall: time(() => {
    returnsPastACall(1);
  }),
  charCodeAt: time(() => {
    sink = text.charCodeAt(40);
  }),
  toString: time(() => {
    sink = E.toString(bytes).length;
  }),
  findHeadEnd: time(() => {
    sink = text.indexOf('\r\n\r\n');
  }),
  toLowerCase: time(() => {
    sink = text.toLowerCase().length;
  }),
  badLineRegExp: time(() => {
    sink = BAD_LINE.test(text) ? 1 : 0;
  }),
  // Per line: the line's end, its colon, and its name checked as a token (what any validating parser does).
  lineWalk: time(() => {
    var p = text.indexOf('\n') + 1;
    var blank = text.length - 2;
    while (p < blank) {
      const eol = text.indexOf('\n', p);
      const colon = text.indexOf(':', p);
      if (!TOKEN.test(text.substr(p, colon - p))) sink++;
      p = eol + 1;
    }
  }),
};
print('@@primitives done ' + JSON.stringify(results));
