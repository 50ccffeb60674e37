// Espruino's own http module answering the same small JSON as bench/espruino-json-app.ts,
// for `npm run bench:espruino`. Run by the Espruino binary with the port in PORT below
// (the benchmark writes a copy with the port filled in). Never: change the answer.
var PORT = 0;
// biome-ignore lint/style/useNodejsImportProtocol: Espruino's own http module, not Node's.
require('http')
  .createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ ok: true, n: 1 }));
  })
  .listen(PORT);
print('@@http listening ' + PORT + ' usage ' + process.memory().usage);
