/* civicgrid command center: draws the trend and category charts (ECharts) and the load map
   (CivicMap over Leaflet) from the page's #center-data, and refreshes them from the API every
   refresh_seconds. The figures and lists refresh themselves through htmx; every number drawn here
   is also in a table on the page, so nothing depends on this script. */
(function () {
  "use strict";
  // Five load classes, light to dark; dark text stays readable on every one of them in tooltips.
  var COLOURS = ["#e3f2e6", "#fff0b3", "#ffc36b", "#f0703c", "#b3261e"];

  function readData() {
    var node = document.getElementById("center-data");
    return node ? JSON.parse(node.textContent) : null;
  }

  function isWall() { return document.body.classList.contains("wall"); }

  /* Class breaks from the largest load: 0 | 1..a | a+1..b | b+1..c | c+1..max. */
  function breaks(max) {
    if (max <= 0) { return [0, 0, 0, 0]; }
    var step = Math.max(1, Math.ceil(max / 4));
    return [0, step, step * 2, step * 3];
  }
  function classOf(value, b) {
    if (value <= 0) { return 0; }
    if (value <= b[1]) { return 1; }
    if (value <= b[2]) { return 2; }
    if (value <= b[3]) { return 3; }
    return 4;
  }

  function makeChart(id) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) { return null; }
    return window.echarts.init(el, isWall() ? "dark" : null, { renderer: "canvas" });
  }

  function drawTrend(chart, days, labels) {
    if (!chart) { return; }
    chart.setOption({
      backgroundColor: "transparent",
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [labels.created, labels.closed, labels.on_time] },
      grid: { left: 40, right: 16, top: 40, bottom: 30 },
      xAxis: { type: "category", data: days.map(function (d) { return d.day.slice(5); }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: labels.created, type: "line", smooth: true, data: days.map(function (d) { return d.created; }), color: "#0b6e99" },
        { name: labels.closed, type: "line", smooth: true, data: days.map(function (d) { return d.closed; }), color: "#1e7b34" },
        { name: labels.on_time, type: "line", smooth: true, lineStyle: { type: "dashed" },
          data: days.map(function (d) { return d.closed_on_time; }), color: "#8a5a00" }
      ]
    });
  }

  function drawCategories(chart, rows, labels) {
    if (!chart) { return; }
    var top = rows.slice(0, 10).reverse();  // the largest at the top of a horizontal bar chart
    chart.setOption({
      backgroundColor: "transparent",
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, data: [labels.created, labels.open] },
      grid: { left: 8, right: 16, top: 40, bottom: 20, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: top.map(function (r) { return r.name; }) },
      series: [
        { name: labels.created, type: "bar", data: top.map(function (r) { return r.created; }), color: "#0b6e99" },
        { name: labels.open, type: "bar", data: top.map(function (r) { return r.open; }), color: "#b3261e" }
      ]
    }, true);
  }

  function legendHtml(b, labels) {
    var range = function (lo, hi) { return lo === hi ? String(lo) : lo + "–" + hi; };
    var names = ["0", range(1, b[1]), range(b[1] + 1, b[2]), range(b[2] + 1, b[3]), "> " + b[3]];
    var parts = [];
    for (var i = 0; i < names.length; i++) {
      if (i > 0 && b[1] === 0) { break; }
      parts.push('<span class="swatch" style="background:' + COLOURS[i] + '"></span>' + names[i]);
    }
    return "<strong>" + labels.open + "</strong> " + parts.join(" ");
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; });
  }

  function MapView(data) {
    var el = document.getElementById("center-map");
    this.ok = !!(el && window.CivicMap && window.L);
    if (!this.ok) { return; }
    this.labels = data.labels;
    this.areaCode = data.area.code;
    this.map = window.CivicMap.create(el, { zoom: 12 });
    this.layer = null;
    this.legend = document.getElementById("center-legend");
  }
  MapView.prototype.draw = function (geojson, fit) {
    if (!this.ok) { return; }
    var self = this, labels = this.labels;
    var max = 0;
    geojson.features.forEach(function (f) { max = Math.max(max, f.properties.open); });
    var b = breaks(max);
    if (this.layer) { this.map.removeLayer(this.layer); }
    this.layer = window.CivicMap.outlines(this.map, geojson, {
      fit: fit,
      style: function (f) {
        return { color: isWall() ? "#9fb3c8" : "#34495e", weight: 1.2, fillOpacity: 0.75,
                 fillColor: COLOURS[classOf(f.properties.open, b)] };
      },
      label: function (f) {
        var p = f.properties;
        return "<strong>" + escapeHtml(p.name) + "</strong><br>" + labels.open + " " + p.open + " · " +
          labels.overdue + " " + p.overdue + "<br>" + labels.created_30d + " " + p.created_30d;
      },
      onClick: function (f) {
        if (f.properties.code !== self.areaCode) {
          window.location.search = "?area=" + encodeURIComponent(f.properties.code);
        }
      }
    });
    if (this.legend) { this.legend.innerHTML = legendHtml(b, labels); }
  };

  /* Installed without npm, the page has no htmx, ECharts or Leaflet, and must still show every
     figure (README): the panels htmx would have fetched after the first paint are fetched here
     once, and the chart and map boxes that cannot be drawn give way to their tables. */
  function withoutLibraries() {
    if (!window.htmx) {
      var lazy = document.querySelectorAll("[hx-get][hx-trigger^='load']");
      var load = function (el, tries) {
        fetch(el.getAttribute("hx-get"), { credentials: "same-origin" })
          .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
          .then(function (html) {
            if (el.getAttribute("hx-swap") === "innerHTML") { el.innerHTML = html; } else { el.outerHTML = html; }
          }, function () {
            // Asked again twice, as the htmx panels are; then the placeholder stays.
            if (tries < 2) { window.setTimeout(function () { load(el, tries + 1); }, 700 * (tries + 1)); }
          });
      };
      Array.prototype.forEach.call(lazy, function (el) { load(el, 0); });
    }
    var hide = function (id) {
      var el = document.getElementById(id);
      if (!el) { return; }
      el.hidden = true;
      var details = el.parentNode.querySelector("details");
      if (details) { details.open = true; }
    };
    if (!window.echarts) { hide("chart-trend"); hide("chart-categories"); }
    if (!(window.CivicMap && window.L)) { hide("center-map"); hide("center-legend"); }
  }

  function start() {
    withoutLibraries();
    var data = readData();
    if (!data) { return; }
    var trend = makeChart("chart-trend"), cats = makeChart("chart-categories");
    drawTrend(trend, data.trend, data.labels);
    drawCategories(cats, data.categories, data.labels);
    var mapView = new MapView(data);
    mapView.draw(data.map, true);
    window.addEventListener("resize", function () {
      if (trend) { trend.resize(); }
      if (cats) { cats.resize(); }
    });
    var json = function (url) {
      return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
    };
    var ignore = function () { /* a failed refresh keeps the last picture; the next one retries */ };
    window.setInterval(function () {
      json(data.urls.trend).then(function (d) { drawTrend(trend, d.days, data.labels); }, ignore);
      json(data.urls.categories).then(function (d) { drawCategories(cats, d.categories, data.labels); }, ignore);
      json(data.urls.map).then(function (d) { mapView.draw(d, false); }, ignore);
    }, (data.refresh_seconds || 60) * 1000);
    window.civicgridCenter = { trend: trend, categories: cats, map: mapView };
  }

  // Deferred like Leaflet and map.js but loaded before them: wait until every deferred script ran.
  if (document.readyState === "complete") { start(); } else { document.addEventListener("DOMContentLoaded", start); }
})();
