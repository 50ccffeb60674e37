/**
 * The dashboard page's script (browser code): fills the panels from the
 * JSON API and keeps them live, the trend plots too, over a WebSocket
 * (`/api/ws`, which also switches the LED); when the device refuses it,
 * over Server-Sent Events (`/api/events`, the LED through POST /api/led);
 * when that is refused too, or while a live link is down, by polling
 * `/api/status` every POLL_MS. It validates the Wi-Fi form with the very
 * function the device uses (src/device.ts), before the device checks it
 * again.
 *
 * Never: use a framework or a library (every byte ships gzipped from
 * flash); fire several requests at once (each connection takes one of the
 * device's few slots); put the Wi-Fi password anywhere but the POST body.
 */
import { wifiCredentialsProblem } from 'chipweb/device';
import { setUpAdmin } from './admin.ts';
import { Trend } from './trend.ts';

/** Milliseconds between polls while the live stream is down. */
const POLL_MS = 2000;
/** Milliseconds before trying the live stream again after the device refused it. */
const RETRY_MS = 15000;

// biome-ignore lint/suspicious/noExplicitAny: JSON from the device's own API, read field by field
type Json = any;

const $ = (id: string) => document.getElementById(id) as HTMLElement;
const set = (id: string, text: string | number) => {
  $(id).textContent = String(text);
};

/** Samples the trend plots keep: 3 minutes of one-second status updates. */
const TREND_SAMPLES = 180;

let ledOn = false;
/** The live link in use: 'ws', 'sse', or '' (polling). */
let via = '';
let socket: WebSocket | null = null;
let pollTimer = 0;

/** `n` bytes in the unit that suits `scale` (default: `n` itself), e.g. "3.7 KB". */
function bytes(n: number, scale = n): string {
  return scale >= 1048576 ? (n / 1048576).toFixed(1) + ' MB' : scale >= 1024 ? (n / 1024).toFixed(1) + ' KB' : n + ' B';
}

function clock(seconds: number): string {
  const s = Math.floor(seconds);
  const two = (v: number) => (v < 10 ? '0' : '') + v;
  const d = Math.floor(s / 86400);
  return (
    (d ? d + 'd ' : '') + Math.floor((s % 86400) / 3600) + ':' + two(Math.floor((s % 3600) / 60)) + ':' + two(s % 60)
  );
}

async function api(path: string, body?: Json): Promise<Json> {
  const r = await fetch(
    '/api/' + path,
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) },
  );
  // The device's own answers (404, 405, 413 …) are text: their status says it.
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(data.error || r.statusText);
  return data;
}

function connState(state: string, label: string): void {
  const el = $('conn');
  el.className = state;
  el.textContent = label;
  el.dataset.via = via;
  el.title = via === 'ws' ? 'WebSocket' : via === 'sse' ? 'Server-Sent Events' : '';
}

const trends = {
  mem: new Trend('t-mem', TREND_SAMPLES, (n) => bytes(n)),
  pool: new Trend('t-pool', TREND_SAMPLES, String),
  rps: new Trend('t-rps', TREND_SAMPLES, String),
};

function showStatus(s: Json): void {
  trends.mem.push(s.memory.used);
  trends.pool.push(s.pool.inUse);
  trends.rps.push(s.rps);
  const r = s.responses;
  set('s-uptime', clock(s.uptime));
  set('s-memkind', s.memory.kind === 'xs' ? 'XS heap' : s.memory.kind === 'node' ? 'Memory (simulator)' : 'Memory');
  const m = s.memory;
  set('s-mem', m.total ? bytes(m.used, m.total).split(' ')[0] + ' of ' + bytes(m.total) : bytes(m.used));
  set('s-pool', s.pool.inUse + ' of ' + s.pool.slots);
  set('s-high', s.pool.highWater);
  set('s-req', s.requests);
  set('s-rps', s.rps);
  set('s-resp', r['2xx'] + ' · ' + r['3xx'] + ' · ' + r['4xx'] + ' · ' + r['5xx']);
  set('s-rej', s.rejected);
  set('s-live', s.live.subscribers + ' of ' + s.live.max);
  if (s.led !== null) showLed(s.led);
}

function showLed(on: boolean): void {
  ledOn = on;
  const led = $('led');
  const btn = $('led-btn') as HTMLButtonElement;
  led.className = on ? 'led on' : 'led';
  led.setAttribute('aria-label', on ? 'LED on' : 'LED off');
  btn.setAttribute('aria-pressed', String(on));
  btn.textContent = on ? 'Turn LED off' : 'Turn LED on';
  btn.disabled = false;
}

function showWifi(w: Json): void {
  // First boot (the device's own access point): a link to the setup, which is further down.
  $('setup').hidden = w.mode !== 'ap';
  set('w-mode', w.mode === 'ap' ? 'access point' : w.mode);
  set('w-ssid', w.ssid || '–');
  set('w-rssi', w.mode === 'station' && w.rssi ? w.rssi + ' dBm' : '–');
  set('w-ip', w.ip || '–');
  const ssid = $('ssid') as HTMLInputElement;
  if (!ssid.value) ssid.value = w.saved || '';
}

/** The rows shown: a live event brings only the newest few, so older rows stay below them (16, as /api/requests). */
let rows: Json[] = [];

function showRequests(list: Json[]): void {
  const oldest = list.length ? list[list.length - 1].at : 1 / 0;
  rows = list.concat(rows.filter((e) => e.at < oldest)).slice(0, 16);
  const body = $('reqs');
  body.textContent = '';
  for (const e of rows) {
    const tr = document.createElement('tr');
    // A request still running (status 0) is the one asking, or a live stream.
    for (const text of [e.method, e.path, e.status || '…', clock(e.at / 1000), e.ms < 0 ? '' : e.ms]) {
      const td = document.createElement('td');
      td.textContent = String(text);
      tr.appendChild(td);
    }
    tr.children[2].className = 's' + String(e.status)[0];
    tr.title = e.method + ' ' + e.path;
    body.appendChild(tr);
  }
}

function showAbout(a: Json): void {
  set('name', a.name);
  document.title = a.name + ' · chipweb';
  set('a-ver', a.version);
  set('a-built', a.built.replace('T', ' ').slice(0, 16) + (a.built.endsWith('Z') ? ' UTC' : ''));
  set('a-target', a.target);
  set('a-flash', bytes(a.assets.bytes));
  set('a-free', a.assets.budget ? bytes(a.assets.free) + ' of ' + bytes(a.assets.budget) : '–');
}

async function poll(): Promise<void> {
  try {
    showStatus(await api('status'));
    showRequests(await api('requests'));
    if (!via) connState('', 'polling');
  } catch {
    connState('off', 'offline');
  }
}

function startPolling(): void {
  if (pollTimer) return;
  pollTimer = window.setInterval(poll, POLL_MS);
  poll();
}

function stopPolling(): void {
  window.clearInterval(pollTimer);
  pollTimer = 0;
}

/** What each live event shows, whichever link brought it. */
const shows: { [event: string]: (data: Json) => void } = {
  status: showStatus,
  requests: showRequests,
  led: (d) => showLed(d.on),
};

function online(link: string): void {
  via = link;
  connState('live', 'live');
  stopPolling();
}

/** Live over the WebSocket; refused (or closed before a word), over Server-Sent Events instead. */
function connect(): void {
  const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/ws');
  let heard = false;
  ws.onmessage = (e) => {
    if (!heard) {
      heard = true;
      socket = ws;
      events?.close(); // back from Server-Sent Events (see listen)
      events = null;
      online('ws');
    }
    const m = JSON.parse(e.data);
    if (shows[m.type]) shows[m.type](m.data);
  };
  ws.onclose = () => {
    if (socket === ws) {
      socket = null;
      via = '';
    }
    if (!heard) {
      if (!events) listen();
    } else {
      // Dropped: poll until it is back.
      startPolling();
      setTimeout(connect, 3000);
    }
  };
}

/** The Server-Sent Events link while it is open. */
let events: EventSource | null = null;

function listen(): void {
  const es = new EventSource('/api/events');
  events = es;
  for (const name in shows) es.addEventListener(name, (e) => shows[name](JSON.parse((e as MessageEvent).data)));
  es.onopen = () => {
    online('sse');
    // The WebSocket may have been refused only for a while (a restart, every socket taken): try it again.
    setTimeout(() => via === 'sse' && connect(), RETRY_MS);
  };
  es.onerror = () => {
    via = '';
    startPolling();
    if (es.readyState === 2) {
      // Refused (e.g. 503: every live slot taken): poll, and try the WebSocket again later.
      es.close();
      events = null;
      setTimeout(connect, RETRY_MS);
    }
  };
}

$('led-btn').onclick = async () => {
  if (socket !== null) {
    // The device answers with an `led` event to every page, this one too.
    socket.send(JSON.stringify({ led: !ledOn }));
    return;
  }
  try {
    showLed((await api('led', { on: !ledOn })).on);
  } catch {
    /* the next status update shows the real state */
  }
};

$('wifi').onsubmit = async (event) => {
  event.preventDefault();
  const ssid = $('ssid') as HTMLInputElement;
  const pw = $('pw') as HTMLInputElement;
  const msg = $('w-msg');
  const say = (text: string, ok: boolean) => {
    msg.textContent = text;
    msg.className = ok ? 'ok' : 'bad';
  };
  let problem = wifiCredentialsProblem(ssid.value, pw.value);
  if (!problem && !pw.value && pw.dataset.secure === ssid.value)
    problem = 'the password is missing: the scan found this network secured';
  ssid.setAttribute('aria-invalid', String(problem.includes('SSID')));
  pw.setAttribute('aria-invalid', String(problem.includes('password')));
  if (!problem) {
    try {
      const r = await api('wifi', { ssid: ssid.value, password: pw.value });
      pw.value = '';
      showWifi(r.wifi);
      say('Saved: the device joins ' + r.ssid + '.', true);
      return;
    } catch (e) {
      problem = (e as Error).message;
    }
  }
  say('Not saved: ' + problem + '.', false);
  (problem.includes('password') ? pw : ssid).focus();
};

// One request after the other: each connection takes one of the device's slots.
(async () => {
  const steps: [string, (data: Json) => void][] = [
    ['status', showStatus],
    ['wifi', showWifi],
    ['about', showAbout],
    ['requests', showRequests],
  ];
  for (const step of steps) {
    try {
      step[1](await api(step[0]));
    } catch {
      /* a host without a device has no Wi-Fi panel data; the rest still shows */
    }
  }
  connect();
  await setUpAdmin();
})();
