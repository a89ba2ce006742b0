"use strict";
// 📍: the district's own map (streets, communities, grids and named places as SVG, from /sim/api/map: no tiles,
// nothing from another host). Tap to drop a pin; the server says which grid it falls in; send it as a location.

window.QGMap = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  let drawing = null;
  let svg = null;
  let pin = null;
  let chosen = null;
  let onSend = null;
  let names = {};
  let pinSize = 34;

  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  }

  const LABEL_PX = {street: 15, community: 13, grid: 10, place: 10};
  const MIN_WIDTH_PX = 420;  // a long, narrow district is drawn at least this wide and scrolls

  function label(parent, text, [x, y], cls, k) {
    const t = el("text", {x, y, class: "map-label " + cls, "font-size": LABEL_PX[cls] * k, "stroke-width": 3 * k}, parent);
    t.textContent = text;
  }

  // Size the drawing to the sheet: whole when it fits, else at least MIN_WIDTH_PX wide (the sheet scrolls);
  // returns drawing units per screen pixel, so labels keep their size in pixels.
  function fit(wrap) {
    const aspect = drawing.width / drawing.height;
    const room = wrap.clientWidth;
    let width = Math.min(room, window.innerHeight * 0.58 * aspect);
    width = Math.max(width, Math.min(room, MIN_WIDTH_PX));
    svg.style.width = Math.round(width) + "px";
    svg.style.height = Math.round(width / aspect) + "px";
    return drawing.width / width;
  }

  function toLonLat(x, y) {
    const p = drawing.projection;
    return {lon: p.west + x / (p.scale * p.cos), lat: p.north - y / p.scale};
  }

  function toXY(lon, lat) {
    const p = drawing.projection;
    return [(lon - p.west) * p.cos * p.scale, (p.north - lat) * p.scale];
  }

  function draw() {
    const wrap = $("map-wrap");
    wrap.replaceChildren();
    if (!drawing.projection) {
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = "这个区还没有网格边界，无法在地图上选点；可以直接输入地址。";
      wrap.appendChild(p);
      return;
    }
    svg = el("svg", {viewBox: `0 0 ${drawing.width} ${drawing.height}`, role: "img", "aria-label": "辖区地图"});
    wrap.appendChild(svg);
    const k = fit(wrap);
    const communities = el("g", {}, svg), grids = el("g", {}, svg), streets = el("g", {}, svg), labels = el("g", {}, svg);
    names = {};
    drawing.communities.forEach((c, i) => {
      el("path", {d: c.path, class: "community-shape tint-" + (i % 4)}, communities);
      names[c.id] = c.name;
    });
    for (const s of drawing.streets) { el("path", {d: s.path, class: "street-shape"}, streets); names[s.id] = s.name; }
    for (const g of drawing.grids) {
      const shape = el("path", {d: g.path, class: "grid-shape", "data-id": g.id}, grids);
      shape.appendChild(el("title", {})).textContent = g.name;
      names[g.id] = g.name;
    }
    for (const g of drawing.grids) label(labels, g.name.replace(/^.*?(社区|村)/, ""), [g.label[0], g.label[1] - 4 * k], "grid", k);
    for (const c of drawing.communities) label(labels, c.name, [c.label[0], c.label[1] - 22 * k], "community", k);
    for (const s of drawing.streets) label(labels, s.name, [s.label[0], s.label[1] - 42 * k], "street", k);
    for (const p of drawing.places) {
      const y = p.y + (p.line ? 2 + p.line * 12 : 0) * k;
      el("circle", {cx: p.x - (6 + p.name.length * 5) * k, cy: y - 3.5 * k, r: 2.5 * k, class: "place-dot"}, labels);
      label(labels, p.name, [p.x, y], "place", k);
    }
    pin = el("use", {href: "#i-pin-solid", width: 34 * k, height: 34 * k, visibility: "hidden"}, svg);
    pinSize = 34 * k;
    svg.addEventListener("click", (event) => {
      const m = svg.getScreenCTM().inverse();
      const pt = new DOMPoint(event.clientX, event.clientY).matrixTransform(m);
      choose(toLonLat(pt.x, pt.y));
    });
  }

  async function choose(point) {
    chosen = {lat: +point.lat.toFixed(6), lon: +point.lon.toFixed(6)};
    const [x, y] = toXY(chosen.lon, chosen.lat);
    pin.setAttribute("x", x - pinSize / 2);
    pin.setAttribute("y", y - pinSize * 0.96);
    pin.setAttribute("visibility", "visible");
    $("map-send").disabled = false;
    $("map-where").textContent = "正在查看所在网格…";
    for (const s of svg.querySelectorAll(".grid-shape.chosen")) s.classList.remove("chosen");
    try {
      const response = await fetch(`/sim/api/where?lat=${chosen.lat}&lon=${chosen.lon}`);
      const where = await response.json();
      if (where.known && where.grid) {
        const shape = svg.querySelector(`.grid-shape[data-id="${where.grid}"]`);
        if (shape) shape.classList.add("chosen");
        const parts = [names[where.street], names[where.community], names[where.grid]].filter(Boolean);
        chosen.label = parts.join(" · ") || where.label;
        $("map-where").textContent = "位于：" + chosen.label;
      } else {
        chosen.label = "";
        $("map-where").textContent = "这里不在本区的任何网格内，仍可发送，由指挥中心判断。";
      }
    } catch (error) {
      $("map-where").textContent = "暂时无法判断所在网格。";
    }
  }

  function close() { $("map-sheet").hidden = true; }

  async function open(callback) {
    onSend = callback;
    chosen = null;
    $("map-send").disabled = true;
    $("map-where").textContent = "点一下地图，放下定位针。";
    $("map-sheet").hidden = false;
    if (!drawing) {
      try {
        const response = await fetch("/sim/api/map");
        drawing = await response.json();
        if (!response.ok) throw new Error(drawing.error || response.status);
      } catch (error) {
        drawing = null;
        $("map-wrap").textContent = "地图加载失败：" + error.message;
        return;
      }
    }
    draw();
  }

  $("map-close").addEventListener("click", close);
  $("map-sheet").addEventListener("click", (event) => { if (event.target === $("map-sheet")) close(); });
  $("map-send").addEventListener("click", () => {
    if (!chosen || !onSend) return;
    const text = chosen.label ? "位置：" + chosen.label : `位置：${chosen.lat}, ${chosen.lon}`;
    close();
    onSend({lat: chosen.lat, lon: chosen.lon}, text);
  });
  $("map-here").addEventListener("click", () => {
    if (!navigator.geolocation) { $("map-where").textContent = "这个浏览器不能提供当前位置。"; return; }
    $("map-where").textContent = "正在获取当前位置…";
    navigator.geolocation.getCurrentPosition(
      (pos) => choose({lat: pos.coords.latitude, lon: pos.coords.longitude}),
      (err) => { $("map-where").textContent = "无法获取当前位置（" + (err.code === 1 ? "未获允许" : "定位失败") + "），请在地图上点选。"; },
      {enableHighAccuracy: true, timeout: 10000, maximumAge: 60000},
    );
  });
  return {open};
})();
