// The officers' map: asks /api/map/clusters for the cells in view and draws count bubbles.
// No stay is embedded in the page; details come per click, scoped and audited on the server.
(function () {
  "use strict";
  var box = document.getElementById("officer-map");
  if (!box) return;
  var map = window[box.getAttribute("data-map-var")];
  if (!map) return;
  var layer = L.layerGroup().addTo(map);
  var status = document.querySelector("[data-map-status]");
  var timer = null;
  var generation = 0;

  function bubble(count) {
    var size = count < 10 ? 30 : count < 100 ? 38 : count < 1000 ? 46 : 54;
    var kind = count < 10 ? "small" : count < 1000 ? "" : "large";
    return L.divIcon({
      html: "<span>" + String(count) + "</span>",
      className: "cluster-icon " + kind,
      iconSize: [size, size]
    });
  }

  function drawClusters(clusters, zoom) {
    clusters.forEach(function (c) {
      var marker = L.marker([c[0], c[1]], { icon: bubble(c[2]), keyboard: true, title: String(c[2]) });
      marker.on("click", function () { map.setView([c[0], c[1]], Math.min(zoom + 2, 18)); });
      marker.addTo(layer);
    });
  }

  function drawPoints(points) {
    points.forEach(function (p) {
      var marker = L.marker([p[0], p[1]], { icon: bubble(p[2]), title: String(p[2]) });
      marker.bindPopup("…");
      marker.on("click", function () { showPlace(marker, p[3]); });
      marker.addTo(layer);
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
        line.textContent = place.guests + " " + box.getAttribute("data-msg-guests") + ": " +
          Object.keys(place.nationalities).map(function (k) { return k + " " + place.nationalities[k]; }).join(", ");
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

  function load() {
    var b = map.getBounds();
    var zoom = map.getZoom();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) {
      return Math.max(-180, Math.min(180, v)).toFixed(5);
    });
    if (bbox[1] < -90) bbox[1] = -90;
    var params = new URLSearchParams(window.location.search);
    params.set("bbox", bbox.join(","));
    params.set("z", String(zoom));
    var mine = ++generation;
    fetch(box.getAttribute("data-clusters-url") + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        if (mine !== generation) return;  // a newer view is already on its way
        layer.clearLayers();
        drawClusters(data.clusters, data.z);
        drawPoints(data.points);
        box.setAttribute("data-clusters-drawn", String(data.clusters.length + data.points.length));
        if (status) status.textContent = "";
      })
      .catch(function () { if (status) status.textContent = box.getAttribute("data-msg-error"); });
  }

  map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 200); });
  load();
})();
