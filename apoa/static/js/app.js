// apoa: small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Account form: show only the fields that belong to the chosen role.
  function toggleRoleParts(form) {
    var role = form.querySelector("select[name=role]");
    if (!role) return;
    function update() {
      form.querySelectorAll("[data-for-role]").forEach(function (part) {
        part.hidden = part.getAttribute("data-for-role") !== role.value;
      });
    }
    role.addEventListener("change", update);
    update();
  }
  document.querySelectorAll("[data-account-form]").forEach(toggleRoleParts);

  // Region type-ahead: asks /api/regions/search and fills a code field.
  function regionSearch(box) {
    var input = box.querySelector("[data-region-query]");
    var list = box.querySelector("[data-region-results]");
    var levels = (box.getAttribute("data-level") || "").split(",");
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { lookup(input.value.trim()); }, 250);
    });
    function lookup(text) {
      list.textContent = "";
      if (text.length < 2) return;
      levels.forEach(function (level) {
        var url = "/api/regions/search?q=" + encodeURIComponent(text) + (level ? "&level=" + level : "");
        fetch(url, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { regions: [] }; })
          .then(function (data) { data.regions.forEach(addChoice); });
      });
    }
    function addChoice(region) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = region.label + " (" + region.code + ")";
      button.addEventListener("click", function () { choose(region); });
      item.appendChild(button);
      list.appendChild(item);
    }
    function choose(region) {
      var target = document.getElementById(box.getAttribute("data-target") || "");
      var appendTo = document.getElementById(box.getAttribute("data-append-to") || "");
      if (target) target.value = region.code;
      if (appendTo) appendTo.value = (appendTo.value.trim() ? appendTo.value.trim() + ", " : "") + region.code;
      input.value = region.label;
      list.textContent = "";
    }
  }
  document.querySelectorAll("[data-region-search]").forEach(regionSearch);

  // Buttons that need a second thought.
  document.querySelectorAll("button[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
  // An error summary shown by the server takes the focus (GOV.UK pattern).
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) { summary.focus({ preventScroll: true }); summary.scrollIntoView({ block: "start" }); }

  // Reporters' phones: the service worker that keeps the report pages for offline use
  // (apoa/home/offline.py). Officers' and admins' pages are never kept.
  var worker = document.body.getAttribute("data-offline");
  if (worker && "serviceWorker" in navigator) {
    navigator.serviceWorker.register(worker, { scope: "/" }).catch(function () {});
  }

  // Empty every store first (that works while the service worker holds the database
  // open), then delete the database (which waits for it to close).
  function emptyThenDelete(name) {
    return new Promise(function (done) {
      var open = indexedDB.open(name);
      open.onerror = function () { done(); };
      open.onsuccess = function () {
        var db = open.result;
        var stores = Array.prototype.slice.call(db.objectStoreNames);
        var finish = function () {
          db.close();
          var removal = indexedDB.deleteDatabase(name);
          removal.onsuccess = removal.onerror = removal.onblocked = function () { done(); };
        };
        if (!stores.length) { finish(); return; }
        var tx = db.transaction(stores, "readwrite");
        stores.forEach(function (store) { tx.objectStore(store).clear(); });
        tx.oncomplete = tx.onerror = tx.onabort = finish;
      };
    });
  }

  // Signing out wipes what this site kept on the phone: the outbox and drafts in
  // IndexedDB and the kept pages. The server's Clear-Site-Data does it too; this also
  // covers a browser that ignores that header.
  document.querySelectorAll("form[data-sign-out]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.hasAttribute("data-wiped")) return;
      event.preventDefault();
      var wipes = [];
      if (window.indexedDB) wipes.push(emptyThenDelete("apoa"));
      if (window.caches) {
        wipes.push(caches.keys().then(function (keys) {
          return Promise.all(keys.map(function (key) { return caches.delete(key); }));
        }));
      }
      var timeout = new Promise(function (done) { setTimeout(done, 3000); });
      Promise.race([Promise.all(wipes), timeout]).catch(function () {}).then(function () {
        form.setAttribute("data-wiped", "");
        form.submit();
      });
    });
  });
})();
