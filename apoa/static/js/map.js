// The officers' map: asks /api/map/clusters for the cells in view and draws count bubbles.
// No stay is embedded in the page; details come per click, scoped and audited on the server.
(function () {
  "use strict";
  var box = document.getElementById("officer-map");
  if (!box) return;
  var map = window[box.getAttribute("data-map-var")];
  if (!map) return;
  var layer = L.layerGroup().addTo(map);
  // Places that share a point (village-precision addresses) are spread apart on click.
  var leaves = L.markerClusterGroup
    ? L.markerClusterGroup({ spiderfyOnMaxZoom: true, showCoverageOnHover: false, maxClusterRadius: 20 })
    : L.layerGroup();
  var heat = L.heatLayer ? L.heatLayer([], { radius: 30, blur: 20, maxZoom: 14 }) : L.layerGroup();
  var districts = L.layerGroup();
  var villages = L.layerGroup();
  var silent = L.layerGroup();
  var overlays = {};
  overlays[box.getAttribute("data-msg-layer-clusters")] = layer;
  overlays[box.getAttribute("data-msg-layer-heat")] = heat;
  overlays[box.getAttribute("data-msg-layer-districts")] = districts;
  overlays[box.getAttribute("data-msg-layer-villages")] = villages;
  overlays[box.getAttribute("data-msg-layer-silent")] = silent;
  var layers = L.control.layers(null, overlays, { collapsed: false }).addTo(map);
  // Leaflet's own control texts are English (issue 12, point 4): the page gives them translated.
  var layersToggle = layers.getContainer().querySelector(".leaflet-control-layers-toggle");
  if (layersToggle) {
    layersToggle.title = box.getAttribute("data-msg-layers");
    layersToggle.setAttribute("aria-label", box.getAttribute("data-msg-layers"));
  }
  if (map.zoomControl) {  // folium creates it with the map; a new one carries our titles
    var position = map.zoomControl.getPosition();
    map.zoomControl.remove();
    map.zoomControl = L.control.zoom({
      position: position,
      zoomInTitle: box.getAttribute("data-msg-zoom-in"),
      zoomOutTitle: box.getAttribute("data-msg-zoom-out")
    }).addTo(map);
  }
  map.on("overlayadd overlayremove", function () { load(); });
  // Counts in the page's language: "1.234" in Indonesian, as the dashboard writes them.
  var numbers = window.Intl ? new Intl.NumberFormat(document.documentElement.lang || "id") : null;
  function number(n) { return numbers ? numbers.format(n) : String(n); }
  var status = document.querySelector("[data-map-status]");
  var timer = null;
  var generation = 0;
  var lastDrawn = "";

  function bubble(count) {
    var size = count < 10 ? 30 : count < 100 ? 38 : count < 1000 ? 46 : 54;
    var kind = count < 10 ? "small" : count < 1000 ? "" : "large";
    return L.divIcon({
      html: "<span>" + number(count) + "</span>",
      className: "cluster-icon " + kind,
      iconSize: [size, size]
    });
  }

  function drawClusters(clusters, zoom) {
    clusters.forEach(function (c) {
      var marker = L.marker([c[0], c[1]], { icon: bubble(c[2]), keyboard: true, title: number(c[2]) });
      marker.on("click", function () { map.setView([c[0], c[1]], Math.min(zoom + 2, 18)); });
      marker.addTo(layer);
    });
  }

  function drawPoints(points) {
    points.forEach(function (p) {
      var marker = L.marker([p[0], p[1]], { icon: bubble(p[2]), title: number(p[2]) });
      marker.bindPopup("…");
      marker.on("click", function () { showPlace(marker, p[3]); });
      leaves.addLayer(marker);
    });
  }

  function showPlace(marker, locationId) {
    fetch(box.getAttribute("data-place-url") + locationId, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (place) {
        var div = document.createElement("div");
        var title = document.createElement("strong");
        title.textContent = place.place;
        div.appendChild(title);
        var line = document.createElement("p");
        line.textContent = number(place.guests) + " " + box.getAttribute("data-msg-guests") + ": " +
          Object.keys(place.nationalities).map(function (k) { return k + " " + number(place.nationalities[k]); }).join(", ");
        div.appendChild(line);
        place.stays.slice(0, 10).forEach(function (s) {
          var a = document.createElement("a");
          a.href = s.url;
          a.textContent = box.getAttribute("data-msg-open") + " " + s.check_in.slice(0, 10);
          div.appendChild(a);
          div.appendChild(document.createElement("br"));
        });
        marker.setPopupContent(div);
      })
      .catch(function () { marker.setPopupContent(box.getAttribute("data-msg-error")); });
  }

  function viewParams() {
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) {
      return Math.max(-180, Math.min(180, v));
    });
    bbox[1] = Math.max(-90, bbox[1]);
    bbox[3] = Math.min(90, bbox[3]);
    var params = new URLSearchParams(window.location.search);  // the filters travel in the URL
    params.set("bbox", bbox.map(function (v) { return v.toFixed(5); }).join(","));
    params.set("z", String(map.getZoom()));
    return params;
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  }

  function drawAreas(group, areas) {
    group.clearLayers();
    areas.forEach(function (a) {
      var marker = L.marker([a[0], a[1]], { icon: bubble(a[2]), title: a[4] + ": " + number(a[2]) });
      marker.bindTooltip(a[4] + ": " + number(a[2]));
      marker.addTo(group);
    });
  }

  function load() {
    var params = viewParams();
    var mine = ++generation;
    var jobs = [];
    if (map.hasLayer(layer) || map.hasLayer(heat)) {
      jobs.push(getJson(box.getAttribute("data-clusters-url") + "?" + params.toString()).then(function (data) {
        if (mine !== generation) return;  // a newer view is already on its way
        var key = JSON.stringify(data);
        if (key === lastDrawn) return;  // same answer: keep what is drawn (and spread apart)
        lastDrawn = key;
        layer.clearLayers();
        leaves.clearLayers();
        layer.addLayer(leaves);
        drawClusters(data.clusters, data.z);
        drawPoints(data.points);
        if (heat.setLatLngs) {
          var all = data.clusters.concat(data.points);
          var top = Math.max.apply(null, all.map(function (c) { return c[2]; }).concat([1]));
          heat.setLatLngs(all.map(function (c) { return [c[0], c[1], c[2] / top]; }));
        }
        box.setAttribute("data-clusters-drawn", String(data.clusters.length + data.points.length));
      }));
    }
    [[districts, 3], [villages, 4]].forEach(function (pair) {
      if (!map.hasLayer(pair[0])) { pair[0].clearLayers(); return; }
      var areaParams = new URLSearchParams(params);
      areaParams.set("level", String(pair[1]));
      jobs.push(getJson(box.getAttribute("data-areas-url") + "?" + areaParams.toString()).then(function (data) {
        if (mine === generation) drawAreas(pair[0], data.areas);
      }));
    });
    if (map.hasLayer(silent)) {
      jobs.push(getJson(box.getAttribute("data-silent-url") + "?" + params.toString()).then(function (data) {
        if (mine !== generation) return;
        silent.clearLayers();
        data.places.forEach(function (p) {
          var when = p[3] ? box.getAttribute("data-msg-last") + " " + p[3].slice(0, 10) : box.getAttribute("data-msg-never");
          L.circleMarker([p[0], p[1]], { radius: 7, color: "#5b6675", fillColor: "#fff", fillOpacity: 1, weight: 3 })
            .bindTooltip(p[2] + " · " + when)
            .addTo(silent);
        });
      }));
    } else {
      silent.clearLayers();
    }
    Promise.all(jobs)
      .then(function () { if (status) status.textContent = ""; })
      .catch(function () { if (status) status.textContent = box.getAttribute("data-msg-error"); });
  }

  map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 200); });
  load();
})();
