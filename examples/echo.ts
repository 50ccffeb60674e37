/**
 * A WebSocket echo server: every message comes back as it came (text as
 * text, bytes as bytes), with no string made on the way. `/` is a page to
 * try it from a browser; `chipweb sim examples/echo.ts` serves it.
 *
 * Never: keep a message after its handler returns (the slot's next frames
 * overwrite it); a socket's slot is its own until it closes.
 */
import { App } from 'chipweb';

const app = new App();

app.get('/', (c) =>
  c.html(
    '<!doctype html><meta charset="utf-8"><title>echo</title>' +
      '<input id="m" value="hello" autofocus> <button id="b">send</button><pre id="log"></pre><script>' +
      'const ws = new WebSocket("ws://" + location.host + "/echo"), log = document.getElementById("log");' +
      'ws.onmessage = (e) => { log.textContent += "< " + e.data + "\\n"; };' +
      'document.getElementById("b").onclick = () => ws.send(document.getElementById("m").value);' +
      '</script>',
  ),
);

app.ws('/echo', {
  message: (ws, msg) => {
    ws.send(msg); // the received message as it is: a text frame for text, binary for bytes
  },
});

export default app;
