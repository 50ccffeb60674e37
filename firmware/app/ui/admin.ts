/**
 * The dashboard's device-administration panels (browser code): the Wi-Fi
 * network picker of the Network panel (GET /api/wifi/scan; the first-boot
 * setup uses the same panel, the captive portal sends phones to it), the
 * admin password (POST /api/password), and the over-the-air update
 * (POST /api/update): the image's SHA-256 is computed here (crypto.subtle
 * needs HTTPS, which a board on the LAN does not serve, so with the core's
 * own SHA-256), then the file goes up raw with an upload progress bar.
 *
 * Requests carry `X-Requested-With`, so a wrong password is a 401 the page
 * shows, not the browser's login dialog.
 *
 * Never: send the admin password anywhere but an Authorization header;
 * start an upload before the hash is known.
 */
import { Sha256 } from 'chipweb/sha256';

// biome-ignore lint/suspicious/noExplicitAny: JSON from the device's own API, read field by field
type Json = any;

const $ = (id: string) => document.getElementById(id) as HTMLElement;
const input = (id: string) => $(id) as HTMLInputElement;

/** Writes `text` into the message element `id`, styled as good or bad news. */
function say(id: string, text: string, ok: boolean): void {
  const el = $(id);
  el.textContent = text;
  el.className = ok ? 'ok' : 'bad';
}

/** The Authorization header value for the admin password in input `id` (UTF-8, as curl sends it; btoa takes Latin-1). */
function adminAuth(id: string): string {
  return 'Basic ' + btoa(String.fromCharCode(...new TextEncoder().encode('admin:' + input(id).value)));
}

/** fetch, with a refused connection as a 503 answer the panels show like any other. */
async function ask(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    return new Response(null, { status: 503, statusText: 'the device did not answer' });
  }
}

/** The `error` of a JSON answer, else the status text. */
async function problem(r: Response): Promise<string> {
  try {
    return (await r.json()).error || r.statusText;
  } catch {
    return r.statusText;
  }
}

/** Lists the networks the device hears; picking one fills the SSID field. */
async function scan(): Promise<void> {
  const list = $('nets');
  say('w-msg', 'Scanning…', true);
  const r = await ask('/api/wifi/scan');
  if (!r.ok) return say('w-msg', 'No scan: ' + (await problem(r)) + '.', false);
  const networks: Json[] = (await r.json()).networks;
  list.textContent = '';
  for (const n of networks) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = n.ssid + ' · ' + n.rssi + ' dBm' + (n.secure ? ' · locked' : ' · open');
    b.onclick = () => {
      input('ssid').value = n.ssid;
      // The Wi-Fi form refuses an empty password for this network (main.ts).
      input('pw').dataset.secure = n.secure ? n.ssid : '';
      input('pw').focus();
    };
    const li = document.createElement('li');
    li.appendChild(b);
    list.appendChild(li);
  }
  say('w-msg', networks.length ? 'Pick a network, then give its password.' : 'No network heard.', true);
}

/** Sets the admin password: the first time freely, then with the current one. */
async function setPassword(event: Event): Promise<void> {
  event.preventDefault();
  const headers: { [name: string]: string } = {
    'Content-Type': 'application/json',
    'X-Requested-With': 'XMLHttpRequest',
  };
  if (input('p-cur').value) headers.Authorization = adminAuth('p-cur');
  const r = await ask('/api/password', {
    method: 'POST',
    headers,
    body: JSON.stringify({ password: input('p-new').value }),
  });
  if (r.status === 401)
    return say(
      'p-msg',
      input('p-cur').value ? 'Not changed: the current password is wrong.' : 'Not changed: give the current password.',
      false,
    );
  if (!r.ok) return say('p-msg', 'Not changed: ' + (await problem(r)) + '.', false);
  input('p-cur').value = '';
  input('p-new').value = '';
  say('p-msg', 'Admin password set.', true);
  $('p-cur-row').hidden = false;
}

/** The SHA-256 of `file`, in hex, read in pieces. */
async function sha256(file: Blob): Promise<string> {
  const hash = new Sha256();
  const piece = 65536;
  for (let at = 0; at < file.size; at += piece) {
    const bytes = new Uint8Array(await file.slice(at, at + piece).arrayBuffer());
    hash.update(bytes, 0, bytes.length);
  }
  const out = new Uint8Array(32);
  hash.digest(out, 0);
  let hex = '';
  for (const b of out) hex += (b < 16 ? '0' : '') + b.toString(16);
  return hex;
}

/** Uploads the chosen image with its hash, showing the progress, then the device restarts. */
async function update(event: Event): Promise<void> {
  event.preventDefault();
  const file = input('u-file').files?.[0];
  if (!file) return say('u-msg', 'Choose the firmware image first.', false);
  const bar = $('u-bar') as HTMLProgressElement;
  // One upload at a time: the button waits for this one's answer.
  const button = (event.target as HTMLFormElement).querySelector('button') as HTMLButtonElement;
  button.disabled = true;
  const failed = (text: string) => {
    bar.value = 0;
    button.disabled = false;
    say('u-msg', text, false);
  };
  say('u-msg', 'Checking the image…', true);
  const hash = await sha256(file);
  const xhr = new XMLHttpRequest();
  xhr.open('POST', '/api/update');
  xhr.setRequestHeader('Authorization', adminAuth('u-pw'));
  xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest'); // no login dialog on a 401: the page asks
  xhr.setRequestHeader('X-Image-SHA256', hash);
  xhr.upload.onprogress = (e) => {
    if (e.lengthComputable) bar.value = e.loaded / e.total;
  };
  xhr.onload = () => {
    let answer: Json = {};
    try {
      answer = JSON.parse(xhr.responseText);
    } catch {
      /* not JSON: the status says enough */
    }
    if (xhr.status === 200) {
      bar.value = 1;
      button.disabled = false;
      say(
        'u-msg',
        'Updated (' + answer.bytes + ' bytes, SHA-256 ' + hash.slice(0, 12) + '…): the device restarts.',
        true,
      );
    } else failed('Not updated (' + xhr.status + '): ' + (answer.error || xhr.statusText) + '.');
  };
  xhr.onerror = () => failed('Not updated: the connection failed; the device keeps its firmware.');
  bar.value = 0;
  say('u-msg', 'Uploading…', true);
  xhr.send(file);
}

/** Wires the panels; hides the Update panel on a board that cannot update itself. */
export async function setUpAdmin(): Promise<void> {
  $('scan').onclick = scan;
  $('pass').onsubmit = setPassword;
  $('upd').onsubmit = update;
  try {
    const u: Json = await (await fetch('/api/update')).json();
    $('sec-upd').hidden = !u.available;
    $('p-cur-row').hidden = !u.passwordSet;
  } catch {
    $('sec-upd').hidden = true;
  }
}
