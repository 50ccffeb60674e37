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
