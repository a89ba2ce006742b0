// The cockpit's live refresh: every N seconds the headline cards and the map are fetched again and
// updated in place (no reload, no inline script: the Content-Security-Policy allows this file only).
"use strict";
(function () {
  const live = document.getElementById("live");
  const SVG = "http://www.w3.org/2000/svg";

  function setText(element, text) {
    if (element && element.textContent !== text) element.textContent = text;
  }

  function update(data) {
    for (const [key, card] of Object.entries(data.cards || {})) {
      const box = document.querySelector('[data-card="' + key + '"]');
      if (!box) continue;
      setText(box.querySelector("[data-value]"), card.value);
      if (card.previous !== null) setText(box.querySelector("[data-previous]"), card.previous);
    }
    for (const [code, grid] of Object.entries(data.grids || {})) {
      const shape = document.querySelector('polygon[data-grid="' + code + '"]');
      if (shape) shape.setAttribute("class", "grid c" + grid["class"]);
      setText(document.querySelector('[data-grid-count="' + code + '"]'), String(grid.count));
    }
    const layer = document.querySelector("svg.map .markers");
    if (layer) {
      while (layer.firstChild) layer.removeChild(layer.firstChild);
      for (const marker of data.markers || []) {
        const dot = document.createElementNS(SVG, "circle");
        dot.setAttribute("cx", marker.x);
        dot.setAttribute("cy", marker.y);
        dot.setAttribute("r", layer.ownerSVGElement.dataset.markerR || "3");
        dot.setAttribute("class", "marker");
        const title = document.createElementNS(SVG, "title");
        title.textContent = marker.title;
        dot.appendChild(title);
        layer.appendChild(dot);
      }
    }
    setText(document.getElementById("made-at"), data.made_at);
    if (live) live.dataset.refreshed = String(Number(live.dataset.refreshed || "0") + 1);
  }

  async function refresh() {
    try {
      const response = await fetch(live.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.status === 401 || response.status === 403) {
        window.location.reload();
        return;
      }
      if (response.ok) update(await response.json());
    } catch (error) {
      // offline for a moment: the next round tries again
    }
  }

  if (live && live.dataset.url) {
    const seconds = Math.max(5, Number(live.dataset.seconds) || 30);
    window.setInterval(refresh, seconds * 1000);
  }

  // Typing a date picks the custom period.
  for (const input of document.querySelectorAll('.picker input[type="date"]')) {
    input.addEventListener("change", function () {
      const select = document.querySelector('.picker select[name="period"]');
      if (select) select.value = "custom";
    });
  }
})();
