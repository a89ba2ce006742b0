const log = document.getElementById("log");
const who = document.getElementById("who");
const logs = {};
let current = null;
let csrf = null;

function render(kind, message) {
  const div = document.createElement("div");
  div.className = "msg " + kind;
  div.textContent = message.text || "";
  if (message.image && message.image.startsWith("/sim/files/")) {
    const img = document.createElement("img");
    img.src = message.image; img.alt = "图表"; img.style.maxWidth = "100%"; img.style.display = "block"; img.style.marginTop = "8px";
    div.appendChild(img);
  }
  if (message.buttons && message.buttons.length) {
    const row = document.createElement("div");
    row.className = "buttons";
    for (const b of message.buttons) {
      const btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = b.label;
      btn.dataset.payload = b.payload;
      btn.addEventListener("click", () => send({button: b.payload}, "【" + b.label + "】"));
      row.appendChild(btn);
    }
    div.appendChild(row);
  }
  log.appendChild(div);
  log.scrollTop = log.scrollHeight;
}

function remember(kind, message) {
  (logs[current] = logs[current] || []).push([kind, message]);
  render(kind, message);
}

function switchTo(key, label) {
  current = key;
  document.getElementById("title").textContent = label;
  log.innerHTML = "";
  for (const [kind, message] of logs[key] || []) render(kind, message);
}

async function send(body, shown) {
  if (!current) return;
  remember("me", {text: shown});
  const headers = {"Content-Type": "application/json"};
  if (csrf) headers["X-CSRF-Token"] = csrf;
  let response, data;
  try {
    response = await fetch("/sim/api/send", {method: "POST", headers, body: JSON.stringify({as: current, ...body})});
    data = await response.json();
  } catch (error) {
    remember("bot", {text: "⚠ 网络错误，请稍后再试"});
    return;
  }
  if (!response.ok) { remember("bot", {text: "⚠ " + (data.error || response.status)}); return; }
  for (const reply of data.replies) remember("bot", reply);
}

async function poll() {
  try {
    if (current) {
      const key = current;
      const response = await fetch("/sim/api/inbox?as=" + encodeURIComponent(key));
      if (response.ok) {
        const data = await response.json();
        for (const m of data.messages) {
          if (key === current) remember("push", m); else (logs[key] = logs[key] || []).push(["push", m]);
        }
      }
    }
  } catch (error) {
    // the server may be restarting: keep polling
  } finally {
    setTimeout(poll, 2000);
  }
}

async function loadPeople() {
  const people = await (await fetch("/sim/api/people")).json();
  const roles = {resident: "居民", grid_member: "网格员", community: "社区", street: "街道", department: "部门", command_center: "指挥中心", party_member: "党员", leader: "领导", admin: "管理员"};
  for (const p of people) {
    const option = document.createElement("option");
    option.value = p.key;
    option.textContent = `${roles[p.role] || p.role} · ${p.name}${p.unit ? "（" + p.unit + "）" : ""}`;
    who.appendChild(option);
  }
  if (people.length) switchTo(people[0].key, who.options[0].textContent);
}

who.addEventListener("change", () => switchTo(who.value, who.options[who.selectedIndex].textContent));
document.getElementById("new-resident").addEventListener("click", () => {
  const key = "new:" + Math.random().toString(36).slice(2, 10);
  const option = document.createElement("option");
  option.value = key; option.textContent = "新居民 · " + key.slice(4);
  who.appendChild(option); who.value = key;
  switchTo(key, option.textContent);
});
document.getElementById("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = document.getElementById("text");
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  send({text}, text);
});
document.getElementById("send-location").addEventListener("click", () => {
  const answer = prompt("位置（纬度,经度）", "30.61,114.31");
  if (!answer) return;
  const [lat, lon] = answer.split(/[,，\s]+/).map(Number);
  send({location: {lat, lon}}, `📍 ${lat}, ${lon}`);
});
document.getElementById("send-photo").addEventListener("click", () => send({photo: "sim-photo-" + Date.now() + ".jpg"}, "📷 照片"));
async function loadSession() {
  const response = await fetch("/sim/api/session");
  if (response.ok) csrf = (await response.json()).csrf;
}
loadSession().then(loadPeople).then(poll);
