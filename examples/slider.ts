/**
 * A live slider: a page with one slider whose value every connected page
 * shows as it moves. Each socket sends the value as text ("0" to "100");
 * the device keeps the last one and sends it to every open socket,
 * including the sender (so all agree). `GET /value` reads it over HTTP.
 * `chipweb sim examples/slider.ts`, then open it in two browser tabs.
 *
 * Sockets are kept in a list with their generation: a socket object
 * belongs to its pool slot and serves the next connection after this one
 * closes, so an entry whose generation moved on is a socket that left.
 *
 * Never: grow the list past the number of sockets open at once (entries
 * of sockets that left are reused); trust a value before checking it.
 */
import { App } from 'chipweb';
import type { WebSocket } from 'chipweb';

/** The slider's value, 0 to 100. */
let value = 50;

/** The open sockets, each with the generation it had when it opened. */
const sockets: { ws: WebSocket; generation: number }[] = [];

/** Adds a socket, in the place of one that left when there is one. */
function remember(ws: WebSocket): void {
  const entry = { ws, generation: ws.generation };
  for (let i = 0; i < sockets.length; i++) {
    if (sockets[i].ws.generation !== sockets[i].generation) {
      sockets[i] = entry;
      return;
    }
  }
  sockets.push(entry);
}

/** Sends the value to every socket still open; returns how many took it. */
function broadcast(): number {
  const text = String(value);
  let sent = 0;
  for (const { ws, generation } of sockets) if (ws.generation === generation && ws.send(text)) sent++;
  return sent;
}

const PAGE = `<!doctype html>
<html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>slider</title>
<label for="s">Value</label> <input id="s" type="range" min="0" max="100" disabled> <output id="o" for="s">–</output>
<script>
const s = document.getElementById('s');
const o = document.getElementById('o');
const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/slider');
ws.onmessage = (e) => { s.value = e.data; o.textContent = e.data; s.disabled = false; };
ws.onclose = () => { s.disabled = true; o.textContent = 'offline'; };
s.oninput = () => { o.textContent = s.value; ws.send(s.value); };
</script>
</html>`;

const app = new App();

app.get('/', (c) => c.html(PAGE));

app.get('/value', (c) => c.json({ value }));

app.ws('/slider', {
  open: (ws) => {
    remember(ws);
    ws.send(String(value));
  },
  message: (ws, msg) => {
    const next = Number(msg.text());
    if (!msg.isText || !Number.isInteger(next) || next < 0 || next > 100) {
      ws.close(1003, 'send a whole number from 0 to 100'); // 1003: data this endpoint does not accept
      return;
    }
    value = next;
    broadcast();
  },
});

export default app;
