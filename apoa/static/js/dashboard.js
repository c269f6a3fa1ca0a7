// apoa dashboard: draws the charts with Chart.js (vendored from npm, served locally) from the
// JSON block the page carries. The same figures are in the tables below each chart, so the
// page still says everything when this script or Chart.js does not run.
(function () {
  "use strict";

  var root = document.querySelector("[data-dashboard]");
  var source = document.getElementById("dashboard-data");
  if (!root || !source || typeof window.Chart === "undefined") return;

  var Chart = window.Chart;
  var data = JSON.parse(source.textContent);
  var locale = document.documentElement.lang || "id";
  var css = getComputedStyle(document.documentElement);
  var brand = css.getPropertyValue("--brand").trim() || "#0b5c8e";
  var ink = css.getPropertyValue("--ink").trim() || "#1d2530";
  var line = css.getPropertyValue("--line").trim() || "#d7dde4";
  // Colour-blind-safe (Okabe-Ito) for the doughnut, whose slices need telling apart.
  var palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
    "#000000", "#999999"];
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = ink;
  Chart.defaults.borderColor = line;
  Chart.defaults.locale = locale;
  Chart.defaults.maintainAspectRatio = false; // the box's CSS height decides
  if (reduceMotion) Chart.defaults.animation = false;

  var drawn = 0;
  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    new Chart(canvas, config);
    drawn += 1;
  }

  function labels(rows) { return rows.map(function (r) { return r.label; }); }
  function counts(rows) { return rows.map(function (r) { return r.n; }); }

  function bars(id, rows) {
    // One bar per row at a readable thickness: the box grows with the rows (CSSOM, not
    // an inline style attribute, so the CSP allows it).
    var canvas = document.getElementById(id);
    if (canvas && canvas.parentNode) {
      canvas.parentNode.style.height = Math.max(160, 60 + rows.length * 30) + "px";
    }
    draw(id, {
      type: "bar",
      data: {
        labels: labels(rows),
        datasets: [{
          label: root.dataset.msgGuests,
          data: counts(rows),
          backgroundColor: brand,
          maxBarThickness: 24
        }]
      },
      options: {
        indexAxis: "y",
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }

  draw("chart-trend", {
    data: {
      labels: data.trend.map(function (m) { return m.label; }),
      datasets: [
        {
          type: "bar",
          label: root.dataset.msgArrivals,
          data: data.trend.map(function (m) { return m.arrivals; }),
          backgroundColor: "#9cc3dd",
          maxBarThickness: 32,
          order: 2
        },
        {
          type: "line",
          label: root.dataset.msgPresent,
          data: data.trend.map(function (m) { return m.present; }),
          borderColor: brand,
          backgroundColor: brand,
          tension: 0, // straight segments: a curve would show counts that never were
          order: 1
        }
      ]
    },
    options: {
      interaction: { mode: "index", intersect: false },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
    }
  });
  bars("chart-nationality", data.nationality);
  draw("chart-permit", {
    type: "doughnut",
    data: {
      labels: labels(data.permit),
      datasets: [{
        label: root.dataset.msgGuests,
        data: counts(data.permit),
        backgroundColor: data.permit.map(function (_, i) { return palette[i % palette.length]; })
      }]
    },
    options: { plugins: { legend: { position: window.innerWidth < 700 ? "bottom" : "right" } } }
  });
  bars("chart-district", data.district);
  root.setAttribute("data-charts-drawn", String(drawn));
})();
