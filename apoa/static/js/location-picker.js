// apoa location pin: a small Leaflet map with one draggable pin and "Use my location".
//
// Enhances every [data-location-picker] (see templates/_macros/location.html). All
// configuration comes from data-* attributes (strict CSP, no inline script):
//   data-lat-input, data-lon-input, data-accuracy-input   ids of the (hidden) inputs
//   data-tiles-url, data-tiles-attribution, data-attribution-url   tile layer
//   data-leaflet-images      folder of Leaflet's marker images (ends with "/")
//   data-default-lat/lon/zoom, data-default-bounds ("south,west,north,east")   first view
//   data-region-picker       id of a region picker whose "region-change" centres the map
//   data-region-url          region JSON URL, "{code}" is replaced (default /api/regions/{code})
//   data-msg-*               translated status texts
// Works without Leaflet (the button still fills the inputs) and without tiles (plain
// background, the pin still works). The inputs stay empty until someone sets the pin.
(function () {
  "use strict";

  var CODE_LENGTHS = [2, 4, 6, 10];
  var ZOOM_FOR_LEVEL = [5, 7, 10, 12, 14]; // unknown, province, regency, district, village
  var PIN_ZOOM = 17;
  var MAX_ZOOM = 19;
  var regions = {}; // url -> Promise of the region JSON

  // Great-circle distance in km (haversine, mean Earth radius), as the server measures it.
  function distanceKm(lat1, lon1, lat2, lon2) {
    var rad = Math.PI / 180;
    var dLat = (lat2 - lat1) * rad;
    var dLon = (lon2 - lon1) * rad;
    var a = Math.pow(Math.sin(dLat / 2), 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.pow(Math.sin(dLon / 2), 2);
    return 2 * 6371.0088 * Math.asin(Math.sqrt(a));
  }

  function number(value) {
    var parsed = parseFloat(value);
    return isFinite(parsed) ? parsed : null;
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function getRegion(url) {
    if (!regions[url]) {
      regions[url] = fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      });
      regions[url].catch(function () { delete regions[url]; });
    }
    return regions[url];
  }

  function LocationPicker(root) {
    var self = this;
    this.root = root;
    this.latInput = document.getElementById(root.getAttribute("data-lat-input") || "");
    this.lonInput = document.getElementById(root.getAttribute("data-lon-input") || "");
    this.accuracyInput = document.getElementById(root.getAttribute("data-accuracy-input") || "");
    if (!this.latInput || !this.lonInput) return;
    this.status = root.querySelector("[data-status]");
    this.locateButton = root.querySelector("[data-locate]");
    this.clearButton = root.querySelector("[data-clear-pin]");
    this.mapBox = root.querySelector("[data-map]");
    this.marker = null;
    this.circle = null;
    this.regionRequest = 0;

    Array.prototype.forEach.call(root.querySelectorAll("[data-js-only]"), function (node) {
      node.hidden = false;
    });

    var lat = number(this.latInput.value);
    var lon = number(this.lonInput.value);
    var initial = lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
    this.pinned = initial; // a pin from the form (or the user) is never moved automatically

    if (window.L && this.mapBox) {
      this.buildMap(initial ? [lat, lon] : null);
    } else if (this.mapBox) {
      this.mapBox.hidden = true;
    }
    this.showClear();

    if (this.locateButton) {
      this.locateButton.addEventListener("click", function () { self.locate(); });
    }
    if (this.clearButton) {
      this.clearButton.addEventListener("click", function () { self.clear(); });
    }

    var picker = document.getElementById(root.getAttribute("data-region-picker") || "");
    if (picker) {
      picker.addEventListener("region-change", function (event) {
        self.centreOn(event.detail || {});
      });
      var current = picker.getAttribute("data-region-current");
      if (current) self.centreOn({ code: current, level: CODE_LENGTHS.indexOf(current.length) + 1 });
    }
  }

  LocationPicker.prototype.text = function (name, fallback) {
    return this.root.getAttribute("data-" + name) || fallback;
  };

  LocationPicker.prototype.say = function (message, kind) {
    if (!this.status) return;
    this.status.textContent = message || "";
    this.status.className = "pin-status" + (kind ? " is-" + kind : "");
  };

  LocationPicker.prototype.showClear = function () {
    if (this.clearButton) this.clearButton.hidden = !this.pinned;
  };

  LocationPicker.prototype.buildMap = function (pin) {
    var L = window.L;
    var self = this;
    var root = this.root;
    var images = root.getAttribute("data-leaflet-images");
    if (images) L.Icon.Default.imagePath = images;

    this.mapBox.hidden = false;
    var map = L.map(this.mapBox, { maxZoom: MAX_ZOOM, zoomControl: true });
    this.map = map;
    // The default prefix links away from the half-filled form: open it in a new tab.
    map.attributionControl.setPrefix(
      '<a href="https://leafletjs.com" target="_blank" rel="noopener noreferrer">Leaflet</a>'
    );

    var tilesUrl = root.getAttribute("data-tiles-url");
    if (tilesUrl) {
      var text = root.getAttribute("data-tiles-attribution") || "";
      var link = root.getAttribute("data-attribution-url");
      var attribution = link
        ? '<a href="' + escapeHtml(link) + '" target="_blank" rel="noopener noreferrer">' +
          escapeHtml(text) + "</a>"
        : escapeHtml(text);
      var tiles = L.tileLayer(tilesUrl, { maxZoom: MAX_ZOOM, attribution: attribution });
      var warned = false;
      tiles.on("tileerror", function () {
        if (warned) return;
        warned = true;
        self.mapBox.className += " tiles-failed";
        if (!self.status || !self.status.textContent) {
          self.say(self.text("msg-tiles", ""), "warn");
        }
      });
      tiles.addTo(map);
    }

    if (pin) {
      map.setView(pin, PIN_ZOOM);
      this.placeMarker(L.latLng(pin));
    } else {
      var bounds = (root.getAttribute("data-default-bounds") || "").split(",").map(number);
      if (bounds.length === 4 && bounds.every(function (v) { return v !== null; })) {
        map.fitBounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]]);
      } else {
        map.setView(
          [number(root.getAttribute("data-default-lat")) || -2.5,
           number(root.getAttribute("data-default-lon")) || 118],
          number(root.getAttribute("data-default-zoom")) || 4
        );
      }
    }

    map.on("click", function (event) {
      self.setPin(event.latlng, null);
    });
  };

  LocationPicker.prototype.placeMarker = function (latlng) {
    var self = this;
    if (!this.map) return;
    if (this.marker) {
      this.marker.setLatLng(latlng);
      return;
    }
    var title = this.text("msg-pin", "");
    this.marker = window.L.marker(latlng, {
      draggable: true,
      autoPan: true,
      keyboard: true,
      title: title,
      alt: title
    }).addTo(this.map);
    this.marker.on("dragend", function () {
      self.setPin(self.marker.getLatLng(), null);
    });
  };

  // Record a position: accuracy in metres from the GPS, or null for a hand-placed pin.
  LocationPicker.prototype.setPin = function (latlng, accuracy) {
    if (this.map) latlng = latlng.wrap();
    this.latInput.value = latlng.lat.toFixed(6);
    this.lonInput.value = latlng.lng.toFixed(6);
    if (this.accuracyInput) {
      this.accuracyInput.value = accuracy === null ? "" : String(Math.round(accuracy));
    }
    this.pinned = true;
    this.regionRequest++; // a late region answer must not move the map any more
    this.showClear();
    if (this.map) {
      this.placeMarker(latlng);
      if (this.circle) {
        this.circle.remove();
        this.circle = null;
      }
      if (accuracy !== null) {
        this.circle = window.L.circle(latlng, {
          radius: accuracy,
          interactive: false,
          weight: 1,
          className: "pin-accuracy"
        }).addTo(this.map);
      }
    }
    if (accuracy === null) this.say(this.text("msg-manual", ""), "ok");
    this.checkDistance();
  };

  LocationPicker.prototype.clear = function () {
    this.latInput.value = "";
    this.lonInput.value = "";
    if (this.accuracyInput) this.accuracyInput.value = "";
    this.pinned = false;
    if (this.marker) this.marker.remove();
    if (this.circle) this.circle.remove();
    this.marker = this.circle = null;
    this.showClear();
    this.say(this.text("msg-cleared", ""));
  };

  LocationPicker.prototype.locate = function () {
    var self = this;
    var button = this.locateButton;
    if (!navigator.geolocation) {
      this.say(this.text("msg-unsupported", this.text("msg-unavailable", "")), "error");
      return;
    }
    button.disabled = true;
    this.say(this.text("msg-locating", ""));
    navigator.geolocation.getCurrentPosition(function (position) {
      button.disabled = false;
      var coords = position.coords;
      var accuracy = Math.max(0, coords.accuracy || 0);
      var latlng = window.L ? window.L.latLng(coords.latitude, coords.longitude)
        : { lat: coords.latitude, lng: coords.longitude };
      self.setPin(latlng, accuracy);
      if (self.map) {
        self.map.setView(latlng, accuracy > 2000 ? 12 : accuracy > 300 ? 15 : PIN_ZOOM, {
          animate: false
        });
      }
      self.say(self.text("msg-found", "").replace("{m}", String(Math.round(accuracy))), "ok");
      self.checkDistance();  // after "found": a far pin must not read as all right
    }, function (error) {
      button.disabled = false;
      var name = { 1: "msg-denied", 2: "msg-unavailable", 3: "msg-timeout" }[error.code];
      self.say(self.text(name || "msg-unavailable", ""), "error");
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 });
  };

  // A pin far from the chosen village is not used for the map (the server keeps it for an
  // officer to check, GPS_MAX_DISTANCE_KM): say so at once, so the reporter can check the
  // village or move the pin, or keep it knowing what happens.
  LocationPicker.prototype.checkDistance = function () {
    var centre = this.regionCentre;
    var limit = number(this.root.getAttribute("data-max-km"));
    if (!centre || !this.pinned || limit === null) return;
    var km = distanceKm(number(this.latInput.value), number(this.lonInput.value), centre.lat, centre.lon);
    this.root.classList.toggle("pin-far", km > limit);
    if (km <= limit) return;
    var lang = document.documentElement.lang || "id";
    var shown = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(km);
    this.say(this.text("msg-far", "").replace("{km}", shown).replace("{village}", centre.name), "error");
  };

  // Centre the map on a region chosen in the region picker, while no pin is set; with a
  // pin, check that it lies near the region.
  LocationPicker.prototype.centreOn = function (detail) {
    var self = this;
    if (!detail.code) return;
    var request = ++this.regionRequest;
    var template = this.root.getAttribute("data-region-url") || "/api/regions/{code}";
    getRegion(template.replace("{code}", encodeURIComponent(detail.code))).then(function (region) {
      var lat = number(region.lat);
      var lon = number(region.lon);
      if (lat === null || lon === null) return;
      var village = (detail.level || region.level) === 4;
      self.regionCentre = village ? { lat: lat, lon: lon, name: region.name || region.label || "" } : null;
      if (self.pinned) { self.checkDistance(); return; }
      if (request !== self.regionRequest || !self.map) return;
      var level = detail.level || region.level || 0;
      // Not animated: Leaflet drops a setView asked for while a zoom animation runs.
      self.map.setView([lat, lon], ZOOM_FOR_LEVEL[level] || ZOOM_FOR_LEVEL[0], { animate: false });
    }, function () {
      // No centroid (unknown region, offline): keep the current view.
    });
  };

  Array.prototype.forEach.call(document.querySelectorAll("[data-location-picker]"), function (root) {
    if (!root.hasAttribute("data-location-ready")) {
      root.setAttribute("data-location-ready", "");
      new LocationPicker(root); // eslint-disable-line no-new
    }
  });
})();
