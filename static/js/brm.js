/* Staff workspace behaviour. No inline scripts anywhere: pages pass data through
   data-* attributes and <script type="application/json"> blocks (json_script). */
(function () {
  "use strict";

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var BAND_COLOURS = { good: "#2f9e44", fair: "#e8a317", poor: "#e03131" };

  function drawCharts(root) {
    if (typeof Chart === "undefined") return;
    (root || document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (Chart.getChart(canvas)) return;
      var data = readJson(canvas.dataset.chart);
      if (!data) return;
      var kind = canvas.dataset.kind || "line";
      var suggestedMax = canvas.dataset.max ? Number(canvas.dataset.max) : undefined;
      var suggestedMin = canvas.dataset.min ? Number(canvas.dataset.min) : 0;
      var datasets = data.datasets.map(function (ds, i) {
        var colour = ds.colour || ["#3b5bdb", "#2f9e44", "#e8a317", "#e03131", "#7048e8", "#1098ad"][i % 6];
        /* ds.colours: one colour per bar (attainment: the month's band), legend in the page. */
        return {
          label: ds.label, data: ds.data, borderColor: ds.colours || colour,
          backgroundColor: ds.colours || (kind === "bar" ? colour : colour + "22"),
          fill: kind === "line" && data.datasets.length === 1, tension: 0.3, pointRadius: 3, spanGaps: true,
          borderWidth: 2, borderRadius: kind === "bar" ? 4 : 0
        };
      });
      new Chart(canvas, {
        type: kind,
        data: { labels: data.labels, datasets: datasets },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          plugins: {
            legend: { display: datasets.length > 1, position: "bottom", labels: { boxWidth: 12 } },
            /* Short axis labels; the tooltip names the point in full (data.titles). */
            tooltip: { callbacks: { title: function (items) {
              return items.length && data.titles ? data.titles[items[0].dataIndex] : (items.length ? items[0].label : "");
            } } }
          },
          scales: { y: { suggestedMin: suggestedMin, suggestedMax: suggestedMax, ticks: { precision: 0 } },
                    /* Flat axis labels, thinned out rather than overlapping on a narrow screen. */
                    x: { grid: { display: false }, offset: true, ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 12 } } }
        }
      });
    });
  }

  /* Quick-log: a follow-up action row can be added without a page load. */
  function wireActionRows(root) {
    (root || document).querySelectorAll("[data-add-action]").forEach(function (button) {
      if (button.dataset.wired) return;
      button.dataset.wired = "1";
      button.addEventListener("click", function () {
        var hidden = document.querySelector(button.dataset.addAction + " .action-row.d-none");
        if (hidden) hidden.classList.remove("d-none");
        if (!document.querySelector(button.dataset.addAction + " .action-row.d-none")) button.classList.add("d-none");
      });
    });
  }

  /* Forms with data-confirm ask before sending. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  /* Selects with data-autosubmit send their form on change (filters). */
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.dataset && el.dataset.autosubmit !== undefined && el.form) el.form.requestSubmit();
  });

  function init(root) { drawCharts(root); wireActionRows(root); }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (event) { init(event.target); });
  window.BRM = { drawCharts: drawCharts };
})();
/* The navbar's search suggestions: arrow keys move between them (Enter follows the link),
   Escape or a click elsewhere closes them. */
(function () {
  "use strict";
  function box() { return document.getElementById("search-suggest"); }
  function close() { var b = box(); if (b) b.innerHTML = ""; }
  function options() { var b = box(); return b ? Array.prototype.slice.call(b.querySelectorAll("a")) : []; }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      var input = document.querySelector(".brm-search input[type=search]");
      if (box() && box().contains(document.activeElement) && input) input.focus();
      close();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    if (!event.target.closest || !event.target.closest(".brm-search")) return;
    var links = options();
    if (!links.length) return;
    event.preventDefault();
    var at = links.indexOf(document.activeElement);
    var next = event.key === "ArrowDown" ? at + 1 : at - 1;
    if (next < 0) { document.querySelector(".brm-search input[type=search]").focus(); return; }
    links[Math.min(next, links.length - 1)].focus();
  });
  document.addEventListener("click", function (event) { if (!event.target.closest(".brm-search")) close(); });
})();
