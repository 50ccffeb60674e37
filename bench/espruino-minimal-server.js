// The least a JavaScript HTTP server on Espruino's net module does for the small JSON route,
// for `npm run bench:espruino`: what any request path written in JavaScript costs at the
// least on Espruino's interpreter (about 20 statements), beside chipweb's. The benchmark
// writes a copy with PORT filled in. Never: grow into a server (it checks nothing but
// the request line and a Host header, and answers every other path with 404).
var PORT = 0;
// biome-ignore lint/style/useNodejsImportProtocol: Espruino's own net module, not Node's.
require('net')
  .createServer((socket) => {
    var pending = '';
    socket.on('data', (data) => {
      pending = pending.length === 0 ? data : pending + data;
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const line = pending.substr(0, pending.indexOf('\r\n'));
        const first = line.indexOf(' ');
        const path = line.substr(first + 1, line.indexOf(' ', first + 1) - first - 1);
        const host = pending.indexOf('\r\nHost:') >= 0 || pending.indexOf('\r\nhost:') >= 0;
        const method = line.substr(0, first);
        pending = pending.substr(end + 4);
        const found = method === 'GET' && path === '/json' && host;
        const body = found ? JSON.stringify({ ok: true, n: 1 }) : '{"error":"not found"}';
        socket.write(
          'HTTP/1.1 ' +
            (found ? '200 OK' : '404 Not Found') +
            '\r\nContent-Type: application/json\r\nContent-Length: ' +
            body.length +
            '\r\nConnection: keep-alive\r\n\r\n' +
            body,
        );
      }
    });
  })
  .listen(PORT);
print('@@minimal listening ' + PORT);
