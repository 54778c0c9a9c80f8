// The scanner page: camera (qr-scanner) and USB keyboard-wedge scanners; online through the JSON
// API, offline with the point's bundle (Ed25519 check in the browser, IndexedDB queue, batch sync).
import { roomOutcome, windowOutcome } from "./door_rules.js";
import { Presence } from "./presence.js";
import { deleteStore, openStore } from "./store.js";
import { decodeToken, normaliseToken, verifySignature } from "./token.js";

const root = document.getElementById("scanner");
const T = JSON.parse(document.getElementById("checkin-strings").textContent);
const POINT = Number(root.dataset.point);
const COUNTS_EXIT = root.dataset.countsExit === "true";
const REQUEST_TIMEOUT_MS = 3000;
const SYNC_EVERY_MS = 10000;
const COUNTS_EVERY_MS = 10000;
const BUNDLE_EVERY_MS = 5 * 60 * 1000;
const SAME_CODE_QUIET_MS = 2500;
const CATEGORY_CODES = { 1: "participant", 2: "speaker", 3: "moderator", 4: "press", 5: "vip", 6: "staff" };

const $ = (id) => document.getElementById(id);
const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, key) => values[key] ?? "");

let store = null;
let bundle = null; // {data, people: Map, revoked: Map, allowed: Set|null, inside: Set, key}
let direction = "in";
let syncing = false;
let loggedOut = false;
let clockSkew = 0; // this device's clock minus the server's, in seconds (the server says)
let lastRefused = null; // the last NOT NOW / ROOM FULL scan: "admit anyway" sends it again
let csrfToken = document.querySelector('meta[name="csrf-token"]').content;

// --- device name ---------------------------------------------------------------------------
function deviceName() {
  let name = localStorage.getItem("maruf-device");
  if (!name) {
    const kind = /Mobi|Android|iPhone/.test(navigator.userAgent) ? "Phone" : "Scanner";
    name = `${kind} ${crypto.randomUUID().slice(0, 4).toUpperCase()}`;
    localStorage.setItem("maruf-device", name);
  }
  return name;
}
const deviceInput = $("device-name");
deviceInput.value = deviceName();
deviceInput.addEventListener("change", () => {
  const value = deviceInput.value.trim().slice(0, 100);
  if (value) localStorage.setItem("maruf-device", value);
  deviceInput.value = deviceName();
});

// --- feedback: sound, vibration, the full-screen result -----------------------------------------
let audio = null;
function unlockAudio() {
  if (!audio && window.AudioContext) audio = new AudioContext();
  if (audio && audio.state === "suspended") audio.resume();
}
document.addEventListener("pointerdown", unlockAudio, { passive: true });
document.addEventListener("keydown", unlockAudio);

function beep(kind) {
  const patterns = {
    good: [[880, 0, 0.12]],
    warn: [[660, 0, 0.1], [660, 0.16, 0.1]],
    bad: [[200, 0, 0.45]],
  };
  if (navigator.vibrate) navigator.vibrate({ good: [60], warn: [60, 60, 60], bad: [300] }[kind]);
  if (!audio) return;
  const now = audio.currentTime;
  for (const [freq, start, length] of patterns[kind]) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = kind === "bad" ? "square" : "sine";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.25, now + start);
    gain.gain.exponentialRampToValueAtTime(0.001, now + start + length);
    osc.connect(gain).connect(audio.destination);
    osc.start(now + start);
    osc.stop(now + start + length + 0.02);
  }
}

function timeLabel(iso) {
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return "";
  const zone = bundle?.data.forum.timezone;
  return moment.toLocaleTimeString(root.dataset.locale, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone });
}

// The day in the forum's time zone, with the month's name ("5 January", as maruf_reg/dates.py
// writes it: British order in English), for a time not today.
function dayLabel(iso) {
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return "";
  const zone = bundle?.data.forum.timezone;
  const locale = root.dataset.locale === "en" ? "en-GB" : root.dataset.locale;
  const day = (when) => when.toLocaleDateString(locale, { day: "numeric", month: "long", timeZone: zone });
  return day(moment) === day(new Date()) ? "" : day(moment);
}

// A time, with its day in front when it is not today (a session's door scanned a day early).
function whenLabel(iso) {
  const day = dayLabel(iso);
  return day ? `${day} ${timeLabel(iso)}` : timeLabel(iso);
}

// Answers are shown one after the other, in the order the codes came: a code scanned while an
// answer is on screen waits its turn, and the answer on screen is cut short so the queue moves.
// The panel never takes the keyboard: the code field keeps it, so a USB scanner's next code lands.
const SHOW_MS = { good: 2500, warn: 5000, bad: 5000 };
const SHORT_MS = { good: 700, warn: 1200, bad: 1200 };
const answers = [];
let hideTimer = null;
let shown = null; // {tone, since}

function showResult(answer, decidedOffline) {
  answers.push({ answer, decidedOffline });
  if (shown) shortenShown();
  else showNext();
}

function shortenShown() {
  clearTimeout(hideTimer);
  const left = shown.since + SHORT_MS[shown.tone] - Date.now();
  hideTimer = setTimeout(showNext, Math.max(0, left));
}

function showNext() {
  clearTimeout(hideTimer);
  const next = answers.shift();
  if (!next) {
    shown = null;
    $("result").hidden = true;
    $("result").dataset.waiting = "0";
    keepKeyboard();
    return;
  }
  const tone = renderResult(next.answer, next.decidedOffline);
  shown = { tone, since: Date.now() };
  $("result").dataset.waiting = String(answers.length);
  beep(tone);
  hideTimer = setTimeout(showNext, answers.length ? SHORT_MS[tone] : SHOW_MS[tone]);
}

function renderResult(answer, decidedOffline) {
  const panel = $("result");
  const outcome = answer.outcome;
  let tone = { admitted: "good", exited: "good", already_in: "warn" }[outcome] || "bad";
  if (outcome === "admitted" && answer.reason === "room_full" && !answer.forced) tone = "warn"; // admitted, room full
  panel.className = `result result-${tone} o-${outcome}`;
  $("result-word").textContent = T[outcome] || outcome;
  const person = answer.person;
  $("result-name").textContent = person ? person.name : "";
  const meta = [];
  if (person) {
    meta.push(T[`category_${person.category}`] || person.category);
    if (person.organisation) meta.push(person.organisation);
  }
  // Each part in its own <bdi>: an Arabic organisation must not swap places with the category.
  const metaLine = $("result-meta");
  metaLine.replaceChildren();
  meta.forEach((part, index) => {
    if (index) metaLine.append(" · ");
    const isolated = document.createElement("bdi");
    isolated.textContent = part;
    metaLine.append(isolated);
  });
  const lines = [];
  if (outcome === "already_in" && answer.previous && answer.previous.scanned_at) {
    const prev = answer.previous;
    lines.push(fill(T.since, { time: timeLabel(prev.scanned_at), point: prev.point_name || "" }));
  }
  if (answer.session) {
    const times = answer.session;
    lines.push(fill(T.session_times, { start: whenLabel(times.starts_at), end: timeLabel(times.ends_at), opens: whenLabel(times.opens_at) }));
  }
  if (answer.room) lines.push(fill(T.room_count, answer.room));
  if (outcome === "point_inactive") lines.push(T.reason_point_inactive);
  if (outcome === "bad_time") lines.push(T.reason_bad_time);
  if (outcome === "uuid_conflict") lines.push(T.reason_uuid_conflict);
  if (answer.forced) lines.push(["not_now", "room_full"].includes(answer.reason) ? T.admitted_anyway : T.forced);
  else if (answer.reason && T[`reason_${answer.reason}`]) lines.push(T[`reason_${answer.reason}`]);
  $("result-anyway").hidden = !["not_now", "room_full"].includes(outcome);
  if (answer.note) lines.push(answer.note);
  if (decidedOffline) lines.push(`(${T.offline_decision})`);
  $("result-reason").textContent = lines.join(" — ");
  panel.hidden = false;
  return tone;
}

// "Next" (or a tap on the panel): on to the next answer waiting, or back to scanning.
function hideResult() {
  showNext();
}
$("result").addEventListener("click", hideResult);
// Staff "admit anyway" on a NOT NOW or ROOM FULL answer: the same badge again, forced (recorded
// as a forced admission and audited by the server).
$("result-anyway").addEventListener("click", (event) => {
  event.stopPropagation();
  hideResult();
  if (lastRefused) handleCode(lastRefused, true);
  lastRefused = null;
});

function addLastScan(answer, at) {
  const list = $("last-scans");
  const item = document.createElement("li");
  item.className = `o-${answer.outcome}`;
  const time = document.createElement("time");
  time.textContent = timeLabel(at);
  const name = document.createElement("bdi");
  name.textContent = answer.person ? answer.person.name : "—";
  const label = document.createElement("span");
  label.textContent = T[answer.outcome] || answer.outcome;
  item.append(time, " ", name, " ", label);
  list.prepend(item);
  while (list.children.length > 10) list.lastElementChild.remove();
}

// --- status line ------------------------------------------------------------------------------
async function updateStatus() {
  const waiting = store ? await store.count("queue") : 0;
  const status = $("net-status");
  let text;
  if (loggedOut) text = T.login_again;
  else if (!navigator.onLine) text = fill(T.offline_waiting, { n: waiting });
  else if (syncing) text = T.syncing;
  else if (waiting) text = fill(T.waiting, { n: waiting });
  else text = T.online;
  // Device minus server: "-7" read as nothing to door staff; say behind or ahead, and by how much.
  if (Math.abs(clockSkew) >= 60) {
    text += ` · ${fill(clockSkew < 0 ? T.clock_behind : T.clock_ahead, { n: Math.round(Math.abs(clockSkew) / 60) })}`;
  }
  const setAside = store ? await store.count("rejected") : 0;
  if (setAside) text += ` · ${fill(T.set_aside, { n: setAside })}`;
  status.textContent = text;
  status.className = `net-status ${navigator.onLine && !loggedOut ? (waiting ? "net-waiting" : "net-online") : "net-offline"}`;
  status.dataset.waiting = String(waiting);
}

// --- the API ------------------------------------------------------------------------------------
class HttpError extends Error {
  constructor(status, body) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function postJSON(url, payload, timeoutMs) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      // The device's clock as it sends: the server answers the difference (X-Clock-Skew).
      body: JSON.stringify({ ...payload, sent_at: new Date().toISOString() }),
      credentials: "same-origin",
      signal: controller.signal,
    });
    const body = await response.json().catch(() => ({}));
    const skew = Number(response.headers.get("X-Clock-Skew") ?? body.clock_skew);
    if (Number.isFinite(skew)) clockSkew = skew;
    if (!response.ok) throw new HttpError(response.status, body);
    return body;
  } finally {
    clearTimeout(timer);
  }
}

async function refreshCsrf() {
  const response = await fetch(location.href, { credentials: "same-origin", cache: "no-store" });
  if (response.redirected || !response.ok) {
    loggedOut = true;
    return false;
  }
  const html = await response.text();
  const meta = new DOMParser().parseFromString(html, "text/html").querySelector('meta[name="csrf-token"]');
  if (!meta) return false;
  csrfToken = meta.content;
  return true;
}

// --- the offline bundle -------------------------------------------------------------------------
function useBundle(data) {
  const people = new Map(data.people.map((p) => [p.id, p]));
  const revoked = new Map(data.revoked.map((r) => [r.id, r.serial]));
  bundle = {
    data,
    people,
    revoked,
    allowed: data.allowed ? new Set(data.allowed) : null,
    inside: new Set(data.inside),
    key: null,
  };
  $("bundle-info").textContent = `${data.people.length} · ${whenLabel(data.generated_at)}`;
}

async function loadBundle() {
  if (navigator.onLine) {
    try {
      const response = await fetch(root.dataset.bundleUrl, { credentials: "same-origin", cache: "no-store" });
      if (response.ok) {
        const data = await response.json();
        await store.put("bundles", { point: POINT, data });
        useBundle(data);
        return;
      }
      if (response.status === 401) loggedOut = true;
    } catch (error) {
      // offline: fall back to the copy kept on this device
    }
  }
  const kept = await store.get("bundles", POINT);
  if (kept) useBundle(kept.data);
}

async function localAnswer(item) {
  const person = (id) => {
    const p = bundle.people.get(id);
    return p ? { id, name: p.name, category: p.category, organisation: p.organisation } : null;
  };
  const claims = decodeToken(item.token);
  if (!claims) return { outcome: "invalid", person: null, previous: null, reason: "unreadable" };
  if (!(await verifySignature(bundle, claims, root.dataset.vendorEd25519))) {
    return { outcome: "invalid", person: null, previous: null, reason: "bad_signature" };
  }
  const who = person(claims.id) || { id: claims.id, name: "", category: CATEGORY_CODES[claims.category] || "", organisation: "" };
  const answer = (outcome, reason = null, previous = null) => ({
    outcome,
    person: who,
    previous,
    reason,
    note: who.name ? null : T.not_in_list,
  });
  const valid = bundle.revoked.has(claims.id) ? bundle.revoked.get(claims.id) : 1;
  if (valid === null) return answer("revoked", "cancelled");
  if (claims.serial !== valid) return answer("revoked", "replaced");
  if (item.direction === "out") return answer("exited");
  // The same rules in the same order as maruf_reg/checkin/scans.py (_judge).
  const categories = bundle.data.point.categories;
  if (categories.length && !categories.includes(who.category)) return answer("not_allowed", "category");
  const doorWindow = bundle.data.window || null;
  if (windowOutcome(doorWindow, item.scanned_at)) return { ...answer("not_now"), session: doorWindow };
  if (bundle.allowed && !bundle.allowed.has(claims.id)) return answer("not_allowed", "no_seat");
  const inside = await insideHere();
  if (inside.has(claims.id)) {
    const seen = inside.admission(claims.id);
    return answer("already_in", null, { scanned_at: seen, point: POINT, point_name: bundle.data.point.name, device: deviceName() });
  }
  const room = bundle.data.room || null;
  const full = roomOutcome(room, inside.inside.size);
  if (full) return { ...answer(full[0], full[1]), room: { inside: inside.inside.size, capacity: room.capacity } };
  return answer("admitted");
}

// Staff "admit anyway" offline: what the rules said stays the reason, the admission is forced.
function forcedAnswer(answer) {
  if (!["not_now", "room_full"].includes(answer.outcome)) return answer;
  return { ...answer, outcome: "admitted", reason: answer.reason || answer.outcome, forced: true };
}

// Who is inside as this device knows it: the bundle's list, then this device's own scans since,
// by the rule of presence.js (a copy of maruf_reg/checkin/presence.py).
async function insideHere() {
  const presence = new Presence(bundle.inside);
  const events = (await store.all("events")).filter((e) => e.point === POINT && e.scanned_at >= bundle.data.generated_at);
  events.sort((a, b) => a.scanned_at.localeCompare(b.scanned_at));
  for (const event of events) presence.apply(event.id, event.outcome, event.scanned_at);
  return presence;
}

// --- one scan -------------------------------------------------------------------------------------
let busy = Promise.resolve();
function handleCode(raw, forced = false) {
  busy = busy.then(() => processCode(raw, forced)).catch((error) => console.error(error));
  return busy;
}

async function processCode(raw, forced = false) {
  const token = normaliseToken(raw);
  if (!token) return;
  const item = {
    token,
    point: POINT,
    uuid: crypto.randomUUID(),
    scanned_at: new Date().toISOString(),
    device: deviceName(),
    direction,
    ...(forced ? { forced: true } : {}),
  };
  let answer = null;
  if (navigator.onLine && !loggedOut) {
    try {
      answer = await postJSON(root.dataset.scanUrl, item, REQUEST_TIMEOUT_MS);
    } catch (error) {
      if (error instanceof HttpError && error.status === 400 && /CSRF/.test(error.body.error || "")) {
        if (await refreshCsrf()) {
          try {
            answer = await postJSON(root.dataset.scanUrl, item, REQUEST_TIMEOUT_MS);
          } catch (again) {
            answer = null;
          }
        }
      } else if (error instanceof HttpError && (error.status === 401 || error.status === 403)) {
        loggedOut = true;
      }
    }
  }
  let offline = false;
  if (!answer) {
    if (!bundle) {
      showResult({ outcome: "invalid", person: null, previous: null, reason: null, note: T.no_bundle }, true);
      return;
    }
    offline = true;
    answer = await localAnswer(item);
    if (forced) answer = forcedAnswer(answer);
    // The server judges it again on sync; `forced` says the person was let in already.
    await store.put("queue", { ...item, offline: true, forced: answer.outcome === "admitted" });
  }
  lastRefused = ["not_now", "room_full"].includes(answer.outcome) ? token : null;
  if (answer.person) await store.put("events", { uuid: item.uuid, point: POINT, id: answer.person.id, outcome: answer.outcome, scanned_at: item.scanned_at });
  showResult(answer, offline);
  addLastScan(answer, item.scanned_at);
  await updateStatus();
  if (!offline) refreshCounts();
}

// --- sync of the offline queue ------------------------------------------------------------------
async function sync() {
  if (syncing || !navigator.onLine || !store) return;
  let items = await store.all("queue");
  if (!items.length) return;
  syncing = true;
  await updateStatus();
  try {
    items.sort((a, b) => a.scanned_at.localeCompare(b.scanned_at));
    while (items.length) {
      const chunk = items.slice(0, 200);
      try {
        const answer = await postJSON(root.dataset.batchUrl, { scans: chunk }, 30000);
        loggedOut = false;
        for (const [index, item] of chunk.entries()) {
          // A scan the server answers with an error (a time too far off, a uuid reused): set
          // aside where the status line counts it, never sent again.
          const result = answer.results && answer.results[index];
          if (result && result.error) await store.put("rejected", { ...item, error: result.error, code: result.code || null });
          await store.delete("queue", item.uuid);
        }
        items = items.slice(chunk.length);
      } catch (error) {
        if (!(error instanceof HttpError)) break;
        const message = (error.body && error.body.error) || "";
        const bad = /^scans\[(\d+)\]/.exec(message);
        if (error.status === 400 && /CSRF/.test(message)) {
          if (!(await refreshCsrf())) break;
        } else if ((error.status === 400 || error.status === 404) && bad) {
          // One scan the server cannot take (e.g. its point was deleted): keep it aside, go on.
          const rejected = chunk[Number(bad[1])];
          await store.put("rejected", { ...rejected, error: message });
          await store.delete("queue", rejected.uuid);
          items = items.filter((i) => i.uuid !== rejected.uuid);
        } else {
          if (error.status === 401 || error.status === 403) loggedOut = true;
          break;
        }
      }
    }
  } finally {
    syncing = false;
    await updateStatus();
  }
  refreshCounts();
}

// --- live counts ----------------------------------------------------------------------------------
async function refreshCounts() {
  if (!navigator.onLine) return;
  try {
    const response = await fetch(root.dataset.countsUrl, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) return;
    const counts = await response.json();
    $("count-admitted").textContent = counts.admitted_today;
    $("count-inside").textContent = counts.inside_now;
    const list = $("last-scans");
    list.replaceChildren();
    for (const scan of counts.last_scans) {
      addLastScanRow(list, scan);
    }
  } catch (error) {
    // counts wait for the network
  }
}

function addLastScanRow(list, scan) {
  const item = document.createElement("li");
  item.className = `o-${scan.outcome}`;
  const time = document.createElement("time");
  time.textContent = timeLabel(scan.scanned_at);
  const name = document.createElement("bdi");
  name.textContent = scan.name || "—";
  const label = document.createElement("span");
  label.textContent = T[scan.outcome] || scan.outcome;
  item.append(time, " ", name, " ", label);
  list.append(item);
}

// --- input: USB scanner / typing, camera, direction ----------------------------------------------
const isTouch = window.matchMedia("(pointer: coarse)").matches;
const codeInput = $("code");
$("code-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const value = codeInput.value;
  codeInput.value = "";
  handleCode(value);
});
function keepKeyboard() {
  if (!isTouch && document.activeElement !== codeInput && !editingElsewhere()) {
    codeInput.focus({ preventScroll: true });
  }
}
// Someone typing in another field (the device name) keeps it; anything else gives the keys back.
function editingElsewhere() {
  const active = document.activeElement;
  return Boolean(active && active !== codeInput && active.matches("input, textarea, select, [contenteditable]"));
}
// A key pressed while a button or the answer panel has the focus goes to the code field, so a
// USB scanner's code is never typed into nothing.
document.addEventListener(
  "keydown",
  (event) => {
    if (event.target === codeInput || editingElsewhere()) return;
    if (event.key.length === 1 || event.key === "Enter") codeInput.focus({ preventScroll: true });
  },
  true,
);
keepKeyboard();

for (const button of document.querySelectorAll(".dir-button")) {
  button.addEventListener("click", () => {
    direction = COUNTS_EXIT ? button.dataset.direction : "in";
    for (const other of document.querySelectorAll(".dir-button")) {
      const on = other === button;
      other.classList.toggle("active", on);
      other.setAttribute("aria-checked", String(on));
    }
    root.classList.toggle("going-out", direction === "out");
  });
}

let camera = null;
let lastCode = "";
let lastSeen = 0;
function onCameraCode(result) {
  const now = Date.now();
  const code = normaliseToken(result.data || "");
  // A badge held in front of the camera is read many times a second: take it once.
  if (code === lastCode && now - lastSeen < SAME_CODE_QUIET_MS) {
    lastSeen = now;
    return;
  }
  lastCode = code;
  lastSeen = now;
  handleCode(code);
}

async function startCamera() {
  const note = $("camera-note");
  try {
    const { default: QrScanner } = await import(root.dataset.vendorQr);
    camera = new QrScanner($("camera"), onCameraCode, {
      returnDetailedScanResult: true,
      maxScansPerSecond: 8,
      preferredCamera: "environment",
      highlightScanRegion: true,
    });
    await camera.start();
    note.hidden = true;
    root.classList.add("camera-on");
  } catch (error) {
    camera = null;
    note.textContent = T.camera_error;
    note.hidden = false;
    root.classList.remove("camera-on");
  }
}

$("camera-toggle").addEventListener("click", () => {
  if (camera) {
    camera.destroy();
    camera = null;
    root.classList.remove("camera-on");
    $("camera-note").textContent = T.camera_off;
    $("camera-note").hidden = false;
  } else {
    startCamera();
  }
});

// --- sign out this device ---------------------------------------------------------------------
// A shared tablet keeps nothing of this session: the offline data (names, queue, scans seen) and
// the service worker's saved pages are deleted, then the session is ended on the server.
async function wipeDevice() {
  if (camera) {
    camera.destroy();
    camera = null;
  }
  if (store) {
    const open = store;
    store = null;
    open.close();
  }
  bundle = null;
  await deleteStore();
  if (window.caches) {
    for (const key of await caches.keys()) await caches.delete(key);
  }
}

$("sign-out-device").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  if (store && navigator.onLine) await sync();
  const waiting = store ? await store.count("queue") : 0;
  if (waiting && !window.confirm(fill(T.sign_out_waiting, { n: waiting }))) return;
  // A tablet open all day has an old form token: take a fresh one for the log-out.
  if (navigator.onLine && !loggedOut) await refreshCsrf().catch(() => false);
  await wipeDevice();
  form.elements.csrf_token.value = csrfToken;
  form.submit();
});

// --- start ------------------------------------------------------------------------------------
async function start() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.swUrl, { scope: root.dataset.swScope }).catch(() => {});
  }
  store = await openStore();
  await loadBundle();
  await updateStatus();
  window.addEventListener("online", () => {
    updateStatus();
    sync();
    loadBundle();
  });
  window.addEventListener("offline", updateStatus);
  setInterval(sync, SYNC_EVERY_MS);
  setInterval(refreshCounts, COUNTS_EVERY_MS);
  setInterval(() => navigator.onLine && loadBundle(), BUNDLE_EVERY_MS);
  sync();
  refreshCounts();
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) startCamera();
  else {
    $("camera-note").textContent = T.camera_error;
    $("camera-note").hidden = false;
  }
  root.dataset.ready = "true";
}

start();
