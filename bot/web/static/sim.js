"use strict";
// The web chat simulator: pick who you are, chat as them. Every chat's lines are kept by the server
// (/sim/api/history), so switching identity or reloading loses nothing; pushes arrive through the inbox.

const $ = (id) => document.getElementById(id);
const log = $("log");
const ROLES = {resident: "居民", grid_member: "网格员", community: "社区", street: "街道", department: "部门", command_center: "指挥中心", operator: "话务员", party_member: "党员", leader: "领导", admin: "管理员"};
const PHONE = window.matchMedia("(max-width: 760px)");
const STAMP_GAP_MS = 5 * 60 * 1000;
let people = [];
let current = null;
let csrf = null;
let lastShown = 0;
let unread = {};
let opening = 0;
let loaded = Promise.resolve();  // the current chat's lines, read back from the server: nothing is added before them

function svgIcon(name, cls) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", cls || "inline-icon");
  const use = document.createElementNS(ns, "use");
  use.setAttribute("href", "#" + name);
  svg.appendChild(use);
  return svg;
}

// Text with the few symbols the copy uses drawn by the page itself (no emoji font needed).
const SYMBOLS = {"🟢": "green", "🟡": "yellow", "🔴": "red"};
function richText(parent, text) {
  const parts = text.split(/(🟢|🟡|🔴|⚠️?)/u);
  for (const part of parts) {
    if (!part) continue;
    if (SYMBOLS[part]) {
      const dot = document.createElement("span");
      dot.className = "light " + SYMBOLS[part];
      parent.appendChild(dot);
    } else if (part.startsWith("⚠")) {
      parent.appendChild(svgIcon("i-warn"));
    } else {
      parent.appendChild(document.createTextNode(part));
    }
  }
}

function avatarOf(person, side) {
  const div = document.createElement("div");
  if (side === "me") {
    div.className = "avatar " + (person ? person.role : "resident");
    div.textContent = person ? person.name.slice(0, 1) : "我";
  } else {
    div.className = "avatar";
    div.textContent = "群";
  }
  return div;
}

function hhmm(date) {
  return String(date.getHours()).padStart(2, "0") + ":" + String(date.getMinutes()).padStart(2, "0");
}

function stampText(date) {
  const today = new Date();
  const sameDay = date.toDateString() === today.toDateString();
  return sameDay ? hhmm(date) : `${date.getMonth() + 1}月${date.getDate()}日 ${hhmm(date)}`;
}

function pictures(message) {
  const list = message.pictures || [];
  if (!list.length) return null;
  const box = document.createElement("div");
  const chart = list.length === 1 && list[0].src.startsWith("/sim/files/");
  box.className = "pictures" + (chart ? " chart" : "");
  for (const p of list) {
    const open = document.createElement("button");
    open.type = "button";
    open.setAttribute("aria-label", "查看大图");
    const img = document.createElement("img");
    img.src = chart ? p.src : p.thumb;
    img.alt = chart ? "图表" : "照片";
    img.loading = "lazy";
    open.appendChild(img);
    open.addEventListener("click", () => showLightbox(p.src));
    box.appendChild(open);
  }
  return box;
}

function buttonsOf(message) {
  if (!message.buttons || !message.buttons.length) return null;
  const row = document.createElement("div");
  row.className = "buttons";
  for (const b of message.buttons) {
    const btn = document.createElement("button");
    btn.type = "button";
    btn.textContent = b.label;
    btn.dataset.payload = b.payload;
    btn.addEventListener("click", () => send({button: b.payload, shown: b.label}, {text: b.label}));
    row.appendChild(btn);
  }
  return row;
}

// A message whose first line is 【…】 is a card (a case, a notice): a header, and the case's light as a colour.
function fillBubble(bubble, side, message) {
  const text = message.text || "";
  const lines = text.split("\n");
  if (side === "push") {
    const tag = document.createElement("span");
    tag.className = "tag";
    tag.textContent = "推送";
    bubble.appendChild(tag);
  }
  if (side !== "me" && lines.length > 1 && lines[0].startsWith("【")) {
    bubble.classList.add("card");
    if (lines[0].includes("🔴")) bubble.classList.add("light-red");
    else if (lines[0].includes("🟡")) bubble.classList.add("light-yellow");
    const head = document.createElement("div");
    head.className = "card-head";
    richText(head, lines[0]);
    const body = document.createElement("div");
    body.className = "card-body";
    richText(body, lines.slice(1).join("\n"));
    if (side === "push") head.prepend(bubble.firstChild);
    bubble.append(head, body);
  } else if (message.location) {
    const row = document.createElement("span");
    row.className = "location";
    row.append(svgIcon("i-pin"), document.createTextNode(text || `${message.location.lat.toFixed(5)}, ${message.location.lon.toFixed(5)}`));
    bubble.appendChild(row);
  } else if (text) {
    richText(bubble, text);
  }
  const pics = pictures(message);
  if (pics) bubble.appendChild(pics);
  const buttons = buttonsOf(message);
  if (buttons) bubble.appendChild(buttons);
}

function render(side, message, at) {
  const when = at ? new Date(at) : new Date();
  if (!lastShown || when - lastShown > STAMP_GAP_MS) {
    const stamp = document.createElement("div");
    stamp.className = "stamp";
    stamp.textContent = stampText(when);
    log.appendChild(stamp);
  }
  lastShown = when;
  const row = document.createElement("div");
  row.className = "row " + side;
  const bubble = document.createElement("div");
  bubble.className = "bubble msg " + (side === "me" ? "me" : side === "push" ? "push" : "bot");
  bubble.title = hhmm(when);
  fillBubble(bubble, side, message);
  row.append(avatarOf(personOf(current), side), bubble);
  log.appendChild(row);
  log.scrollTop = log.scrollHeight;
  return bubble;
}

function personOf(key) { return people.find((p) => p.key === key); }

function clearLog() { log.replaceChildren(); lastShown = 0; }

function headers(json) {
  const h = json ? {"Content-Type": "application/json"} : {};
  if (csrf) h["X-CSRF-Token"] = csrf;
  return h;
}

async function api(path, body) {
  const init = body === undefined ? {} : {method: "POST", headers: headers(true), body: JSON.stringify(body)};
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || String(response.status));
  return data;
}

function clientId() { return "w" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8); }

async function send(body, shownMessage) {
  await loaded;
  if (!current) return;
  const key = current;
  render("me", shownMessage);
  try {
    const data = await api("/sim/api/send", {as: key, id: clientId(), ...body});
    if (key === current) for (const reply of data.replies) render("bot", reply);
  } catch (error) {
    if (key === current) render("bot", {text: "⚠ " + (error.message === "Failed to fetch" ? "网络错误，请稍后再试" : error.message)});
  }
}

async function switchTo(key) {
  current = key;
  const token = ++opening;
  const person = personOf(key);
  $("title").textContent = person ? `${ROLES[person.role] || person.role} · ${person.name}` : key;
  $("subtitle").textContent = person && person.unit ? person.unit : "";
  for (const el of document.querySelectorAll(".person")) el.setAttribute("aria-current", String(el.dataset.key === key));
  clearLog();
  closeDrawer();
  loaded = (async () => {
    try {
      const data = await api("/sim/api/open", {as: key});
      if (token !== opening) return;
      clearLog();
      for (const line of data.lines) render(line.side, line.message, line.at);
    } catch (error) {
      render("bot", {text: "⚠ " + error.message});
    }
  })();
  await loaded;
  await pollInbox();
}

function listItem(person) {
  const item = document.createElement("button");
  item.type = "button";
  item.className = "person";
  item.dataset.key = person.key;
  const who = document.createElement("span");
  who.className = "who";
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = person.name;
  const unit = document.createElement("span");
  unit.className = "unit";
  unit.textContent = person.unit || ROLES[person.role] || "";
  who.append(name, unit);
  item.append(avatarOf(person, "me"), who);
  if (person.language === "en") {
    const lang = document.createElement("span");
    lang.className = "lang";
    lang.textContent = "EN";
    item.appendChild(lang);
  }
  const badge = document.createElement("span");
  badge.className = "badge";
  badge.hidden = true;
  item.appendChild(badge);
  item.addEventListener("click", () => switchTo(person.key));
  return item;
}

function drawPeople() {
  const nav = $("people");
  nav.replaceChildren();
  let role = null;
  for (const person of people) {
    const group = person.new ? "new" : person.role;
    if (group !== role) {
      role = group;
      const h = document.createElement("h2");
      h.textContent = person.new ? "新居民（本浏览器）" : ROLES[person.role] || person.role;
      nav.appendChild(h);
    }
    nav.appendChild(listItem(person));
  }
  showUnread();
}

function showUnread() {
  let others = 0;
  for (const el of document.querySelectorAll(".person")) {
    const count = el.dataset.key === current ? 0 : unread[el.dataset.key] || 0;
    const badge = el.querySelector(".badge");
    badge.hidden = !count;
    badge.textContent = count > 99 ? "99+" : String(count);
    others += count;
  }
  $("unread-dot").hidden = !others;
}

async function pollInbox() {
  await loaded;
  if (!current) return;
  const key = current;
  try {
    const data = await api("/sim/api/inbox?as=" + encodeURIComponent(key));
    if (key === current) for (const m of data.messages) render("push", m);
  } catch (error) {
    // the server may be restarting: the next poll tries again
  }
}

async function pollUnread() {
  if (!people.length) return;
  try {
    const keys = people.map((p) => p.key).join(",");
    unread = (await api("/sim/api/unread?as=" + encodeURIComponent(keys))).unread;
    showUnread();
  } catch (error) {
    // as above
  }
}

function loop(task, ms) {
  const run = async () => { try { await task(); } finally { setTimeout(run, ms); } };
  setTimeout(run, ms);
}

function openDrawer() {
  $("drawer").classList.add("open");
  $("backdrop").hidden = false;
  $("open-drawer").setAttribute("aria-expanded", "true");
}
function closeDrawer() {
  $("drawer").classList.remove("open");
  $("backdrop").hidden = true;
  $("open-drawer").setAttribute("aria-expanded", "false");
}

function showLightbox(src) {
  $("lightbox-img").src = src;
  $("lightbox").hidden = false;
}

async function sendPhoto(file) {
  await loaded;
  if (!current || !file) return;
  const preview = {text: "", pictures: [{src: URL.createObjectURL(file), thumb: URL.createObjectURL(file)}]};
  const key = current;
  render("me", preview);
  try {
    const response = await fetch("/sim/api/upload", {method: "POST", headers: {...headers(false), "Content-Type": file.type || "application/octet-stream"}, body: file});
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || String(response.status));
    const replies = await api("/sim/api/send", {as: key, id: clientId(), photo: data.photo, shown: ""});
    if (key === current) for (const reply of replies.replies) render("bot", reply);
  } catch (error) {
    if (key === current) render("bot", {text: "⚠ 照片没有发出：" + error.message});
  }
}

function newResident() {
  const key = "new:" + Math.random().toString(36).slice(2, 10);
  people.push({key, name: key.slice(4), role: "resident", unit: "", new: true});
  drawPeople();
  switchTo(key);
}

async function start() {
  try {
    const session = await api("/sim/api/session");
    csrf = session.csrf;
    $("new-resident").hidden = session.new_residents === false;
  } catch (error) {
    // the people list says what is wrong
  }
  people = await api("/sim/api/people");
  drawPeople();
  if (people.length) await switchTo(people[0].key);
  await pollUnread();
  loop(pollInbox, 2000);
  loop(pollUnread, 3000);
}

$("open-drawer").addEventListener("click", openDrawer);
$("close-drawer").addEventListener("click", closeDrawer);
$("backdrop").addEventListener("click", closeDrawer);
$("new-resident").addEventListener("click", newResident);
$("lightbox").addEventListener("click", () => { $("lightbox").hidden = true; $("lightbox-img").removeAttribute("src"); });
$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("text");
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  send({text}, {text});
});
$("send-photo").addEventListener("click", () => $("photo-file").click());
$("photo-file").addEventListener("change", (event) => {
  const file = event.target.files[0];
  event.target.value = "";
  sendPhoto(file);
});
$("send-location").addEventListener("click", () => {
  if (!current) return;
  window.QGMap.open((point, label) => send({location: {lat: point.lat, lon: point.lon}, shown: label}, {text: label, location: point}));
});
PHONE.addEventListener("change", closeDrawer);
start();
