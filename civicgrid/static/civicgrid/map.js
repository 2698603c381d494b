/* civicgrid maps: one small helper over Leaflet so every page draws maps the same way.
   Tiles come from <body data-map-tiles> (settings.MAP_TILE_URL); without them areas are drawn on a
   plain background, so maps work offline. Coordinates are WGS-84 [lon, lat] as stored.
   Pages load it with {% with needs_map=True %} or by setting needs_map in the view context. */
(function () {
  "use strict";
  var body = document.body;
  function tiles() { return body ? body.getAttribute("data-map-tiles") || "" : ""; }

  var CivicMap = {
    /* A map in element `el` (element or id); opts.center [lat, lon], opts.zoom. */
    create: function (el, opts) {
      opts = opts || {};
      var node = typeof el === "string" ? document.getElementById(el) : el;
      // Leaflet's own zoom buttons carry English titles: the page gives translated ones.
      var map = L.map(node, { zoomControl: false, attributionControl: !!tiles(), preferCanvas: true });
      L.control.zoom({
        zoomInTitle: body.getAttribute("data-map-zoom-in") || "Zoom in",
        zoomOutTitle: body.getAttribute("data-map-zoom-out") || "Zoom out"
      }).addTo(map);
      if (tiles()) {
        L.tileLayer(tiles(), { maxZoom: 19, attribution: (body.getAttribute("data-map-attribution") || "") }).addTo(map);
      }
      map.setView(opts.center || [36.07, 120.38], opts.zoom || 13);
      return map;
    },
    /* Area outlines from a GeoJSON FeatureCollection; options: style(feature), onClick(feature),
       label(feature) for a tooltip. Fits the map to them unless opts.fit === false. */
    outlines: function (map, geojson, opts) {
      opts = opts || {};
      var layer = L.geoJSON(geojson, {
        style: opts.style || function () { return { color: "#0b6e99", weight: 1.5, fillColor: "#9fd4ec", fillOpacity: 0.25 }; },
        onEachFeature: function (feature, lyr) {
          if (opts.label) { lyr.bindTooltip(opts.label(feature), { sticky: true }); }
          if (opts.onClick) { lyr.on("click", function () { opts.onClick(feature, lyr); }); }
        }
      }).addTo(map);
      if (opts.fit !== false && layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
      return layer;
    },
    /* A marker at lon/lat; returns it. */
    marker: function (map, lon, lat, opts) {
      var m = L.circleMarker([lat, lon], Object.assign({ radius: 8, color: "#b3261e", weight: 2, fillOpacity: 0.8 }, opts || {})).addTo(map);
      return m;
    },
    /* Click or tap to choose a point; onPick(lon, lat) is called with WGS-84 coordinates. */
    picker: function (map, onPick) {
      var chosen = null;
      map.on("click", function (e) {
        if (chosen) { map.removeLayer(chosen); }
        chosen = CivicMap.marker(map, e.latlng.lng, e.latlng.lat);
        onPick(Number(e.latlng.lng.toFixed(6)), Number(e.latlng.lat.toFixed(6)));
      });
      return { set: function (lon, lat) { if (chosen) { map.removeLayer(chosen); } chosen = CivicMap.marker(map, lon, lat); map.setView([lat, lon], Math.max(map.getZoom(), 16)); } };
    },
    /* Fetch JSON with the page's credentials. */
    json: function (url) { return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } }).then(function (r) { return r.json(); }); }
  };
  window.CivicMap = CivicMap;
})();
