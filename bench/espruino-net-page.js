// A bare Espruino net server answering every request on a kept-alive connection with a
// fixed response of SIZE body bytes, for `npm run bench:espruino`: what Espruino's own
// sockets manage for a page-sized keep-alive response, beside chipweb's gzipped page.
// The benchmark writes a copy with PORT and SIZE filled in. Never: parse or route.
var PORT = 0;
var SIZE = 0;
var body = '';
while (body.length < SIZE) body += '0123456789';
body = body.substr(0, SIZE);
var response = 'HTTP/1.1 200 OK\r\nContent-Length: ' + SIZE + '\r\nConnection: keep-alive\r\n\r\n' + body;
// biome-ignore lint/style/useNodejsImportProtocol: Espruino's own net module, not Node's.
require('net')
  .createServer((socket) => {
    socket.on('data', () => {
      socket.write(response);
    });
  })
  .listen(PORT);
print('@@net listening ' + PORT);
