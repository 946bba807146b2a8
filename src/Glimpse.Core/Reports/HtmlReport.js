// Glimpse report: wires the opacity slider and the map switcher. Everything it shows comes from the page itself
// (the JSON block written by HtmlReport), and text is set with textContent, never parsed as HTML.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const overlay = document.getElementById("overlay");
  const slider = document.getElementById("opacity");
  const sliderValue = document.getElementById("opacity-value");
  const legendLow = document.getElementById("legend-low");
  const legendHigh = document.getElementById("legend-high");
  const caption = document.getElementById("map-caption");
  // The answer-token switch and, with several grids, the grid switch: both pick one of data.maps.
  const buttons = Array.from(document.querySelectorAll(".map-switcher button[data-map]"));
  const answerTokens = Array.from(document.querySelectorAll(".tok.answer[data-map]"));
  // The response-level map is already in the page as the overlay's src; the JSON only carries the others.
  const responseSource = overlay.getAttribute("src");

  function showOpacity() {
    overlay.style.opacity = String(slider.value / 100);
    sliderValue.textContent = slider.value + "%";
  }

  function selectMap(id) {
    const map = data.maps.find(function (m) { return m.id === id; });
    if (!map) return;
    overlay.setAttribute("src", map.src || responseSource);
    legendLow.textContent = map.low;
    legendHigh.textContent = map.high;
    caption.textContent = map.caption;
    buttons.forEach(function (b) { b.setAttribute("aria-pressed", b.dataset.map === id ? "true" : "false"); });
    answerTokens.forEach(function (t) { t.classList.toggle("selected", t.dataset.map === id); });
    document.body.dataset.selectedMap = id;
  }

  slider.addEventListener("input", showOpacity);
  buttons.forEach(function (b) { b.addEventListener("click", function () { selectMap(b.dataset.map); }); });
  answerTokens.forEach(function (t) {
    t.addEventListener("click", function () { selectMap(t.dataset.map); });
    t.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        selectMap(t.dataset.map);
      }
    });
  });
  // Left and right arrows step through the maps when the focus is not in the slider.
  document.addEventListener("keydown", function (e) {
    if (e.target === slider || (e.key !== "ArrowLeft" && e.key !== "ArrowRight") || data.maps.length < 2) return;
    const current = data.maps.findIndex(function (m) { return m.id === document.body.dataset.selectedMap; });
    const next = (current + (e.key === "ArrowRight" ? 1 : data.maps.length - 1)) % data.maps.length;
    selectMap(data.maps[next].id);
  });

  showOpacity();
  // A link can open the page on one map: report.html#map=3 shows the fourth answer token's.
  const linked = /^#map=(.+)$/.exec(window.location.hash);
  selectMap(linked && data.maps.some(function (m) { return m.id === linked[1]; }) ? linked[1] : "response");
  document.body.dataset.ready = "1";
})();
