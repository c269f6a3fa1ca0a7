// apoa region picker: province → regency → district → village selects and a search box.
//
// Enhances every [data-region-picker] (see templates/_macros/location.html). Without
// JavaScript the plain code input inside it is the fallback. Configuration comes only
// from data-* attributes (strict CSP, no inline script):
//   data-code-input   id of the input that receives the chosen Kemendagri code
//   data-level        deepest level needed: 4 village, 3 district, 2 regency (default 4)
//   data-within       lock the picker inside this area (higher levels preselected, disabled)
//   data-children-url, data-search-url   the JSON endpoints (defaults below)
//   data-label-1..4, data-label-search, data-msg-*   translated texts
// The code input is filled only once the deepest level is chosen; otherwise it is empty.
// On every change the element dispatches "region-change" with
// detail {code, level, name, complete} (code "" when nothing is chosen).
(function () {
  "use strict";

  var CODE_LENGTHS = [2, 4, 6, 10]; // province, regency, district, village
  var SEARCH_DELAY_MS = 250;
  var SEARCH_MIN_CHARS = 2;
  var responses = {}; // url -> Promise of the parsed JSON, shared by all pickers on the page

  function levelOf(code) {
    return CODE_LENGTHS.indexOf(code.length) + 1; // 0 when the length is not a region code
  }

  function digits(value) {
    return (value || "").replace(/\D/g, "");
  }

  function getJSON(url) {
    if (!responses[url]) {
      responses[url] = fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      });
      // A failed request may be tried again later.
      responses[url].catch(function () { delete responses[url]; });
    }
    return responses[url];
  }

  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function RegionPicker(root) {
    var input = document.getElementById(root.getAttribute("data-code-input") || "");
    if (!input || !root.id) return;
    var self = this;
    this.root = root;
    this.input = input;
    this.level = Math.min(4, Math.max(1, parseInt(root.getAttribute("data-level"), 10) || 4));
    var within = digits(root.getAttribute("data-within"));
    this.within = levelOf(within) ? within.slice(0, CODE_LENGTHS[this.level - 1]) : "";
    this.locked = this.within ? levelOf(this.within) : 0; // levels 1..locked are fixed
    this.childrenUrl = root.getAttribute("data-children-url") || "/api/regions/children";
    this.searchUrl = root.getAttribute("data-search-url") || "/api/regions/search";
    this.generation = 0; // bumped by every user action; stale async work checks it
    this.pending = "";   // the code the last applyCode aimed at (for "Try again")
    this.selects = [];
    this.build();

    var start = digits(input.value);
    if (start && (!levelOf(start) || (this.within && start.indexOf(this.within) !== 0))) {
      start = ""; // not a code, or outside the locked area: the server reports it
    }
    start = start ? start.slice(0, CODE_LENGTHS[Math.min(levelOf(start), this.level) - 1]) : "";
    start = start || this.within;
    if (start) {
      this.applyCode(start, input.value === "" ? "within" : "restore");
    } else {
      this.load(1, "", this.generation).then(function (ok) {
        if (ok) self.selects[0].disabled = false;
      });
    }
  }

  RegionPicker.prototype.text = function (name, fallback) {
    return this.root.getAttribute("data-" + name) || fallback;
  };

  RegionPicker.prototype.build = function () {
    var self = this;
    var input = this.input;
    var id = this.root.id;
    var label = document.querySelector('label[for="' + input.id + '"]');
    var help = document.getElementById(input.id + "-help");
    var errors = document.getElementById(input.id + "-errors");

    var set = make("fieldset", "region-picker-set");
    set.appendChild(make("legend", "", label ? label.textContent.trim() : ""));

    // The fallback input stays in the form (it is what gets submitted), out of sight.
    input.hidden = true;
    if (label) label.hidden = true;
    if (help) help.hidden = true;

    if (this.locked < this.level) {
      var box = make("div", "region-search-box");
      var searchId = id + "-search";
      var searchLabel = make("label", "", this.text("label-search", "Search"));
      searchLabel.htmlFor = searchId;
      this.search = make("input");
      this.search.type = "search";
      this.search.id = searchId;
      this.search.autocomplete = "off";
      this.search.spellcheck = false;
      this.search.setAttribute("enterkeyhint", "search");
      this.search.setAttribute("aria-controls", searchId + "-results");
      this.results = make("ul", "suggestions region-results");
      this.results.id = searchId + "-results";
      box.appendChild(searchLabel);
      box.appendChild(this.search);
      box.appendChild(this.results);
      set.appendChild(box);
      this.bindSearch();
    }

    var levels = make("div", "region-levels");
    var fallbackNames = ["Province", "Regency / city", "District", "Village"];
    for (var level = 1; level <= this.level; level++) {
      var field = make("div", "field region-level");
      var select = make("select");
      select.id = id + "-level-" + level;
      select.disabled = true;
      var selectLabel = make("label", "", this.text("label-" + level, fallbackNames[level - 1]));
      selectLabel.htmlFor = select.id;
      field.appendChild(selectLabel);
      field.appendChild(select);
      levels.appendChild(field);
      this.selects.push(select);
      this.reset(level);
      select.addEventListener("change", this.onSelect.bind(this, level));
    }
    if (input.required) {
      // A hidden required input would block the browser's form check: move the flag.
      input.required = false;
      this.selects[this.selects.length - 1].required = true;
    }
    if (errors) {
      // Server-side errors now describe the select the user has to fix.
      var last = this.selects[this.selects.length - 1];
      last.setAttribute("aria-describedby", errors.id);
      last.setAttribute("aria-invalid", "true");
    }
    set.appendChild(levels);

    this.status = make("p", "region-status");
    this.status.setAttribute("aria-live", "polite");
    this.retry = make("button", "button secondary region-retry", this.text("msg-retry", "Try again"));
    this.retry.type = "button";
    this.retry.hidden = true;
    this.retry.addEventListener("click", function () {
      self.retry.hidden = true;
      self.applyCode(self.pending, "user");
    });
    set.appendChild(this.status);
    set.appendChild(this.retry);

    var slot = this.root.querySelector("[data-region-ui]") || this.root;
    slot.appendChild(set);
  };

  RegionPicker.prototype.say = function (message, failed) {
    this.status.textContent = message || "";
    this.status.className = "region-status" + (failed ? " is-error" : "");
    this.retry.hidden = !failed;
  };

  // Empty a select down to its placeholder.
  RegionPicker.prototype.reset = function (level, placeholder) {
    var select = this.selects[level - 1];
    select.textContent = "";
    select.appendChild(make("option", "", placeholder || this.text("msg-choose", "— choose —")));
    select.firstChild.value = "";
    select.disabled = true;
  };

  // Fill the select of `level` with the children of `parent`; resolves to true when done.
  RegionPicker.prototype.load = function (level, parent, generation) {
    var self = this;
    var select = this.selects[level - 1];
    var url = this.childrenUrl + (parent ? "?parent=" + encodeURIComponent(parent) : "");
    this.reset(level, this.text("msg-loading", "Loading…"));
    return getJSON(url).then(function (data) {
      if (generation !== self.generation) return false;
      self.reset(level);
      (data.regions || []).forEach(function (region) {
        var option = make("option", "", region.name);
        option.value = region.code;
        select.appendChild(option);
      });
      return true;
    }, function () {
      if (generation !== self.generation) return false;
      self.reset(level);
      self.say(self.text("msg-error", "The list could not be loaded. Check the connection."), true);
      return false;
    });
  };

  RegionPicker.prototype.onSelect = function (level) {
    var self = this;
    var code = this.selects[level - 1].value;
    var generation = ++this.generation;
    this.say("");
    for (var deeper = level + 1; deeper <= this.level; deeper++) this.reset(deeper);
    if (code && level < this.level) {
      this.pending = code;
      this.load(level + 1, code, generation).then(function (ok) {
        if (ok) self.selects[level].disabled = false;
      });
    }
    this.changed();
  };

  // Select every level of `code` (a code of any level), loading lists as needed.
  // why: "restore" (code from the re-rendered form), "within" (locked area), "user".
  RegionPicker.prototype.applyCode = function (code, why) {
    var self = this;
    var generation = ++this.generation;
    var target = Math.min(levelOf(code), this.level);
    this.pending = code;
    this.say("");
    for (var level = 1; level <= this.level; level++) this.reset(level);

    function step(level) {
      var parent = level === 1 ? "" : code.slice(0, CODE_LENGTHS[level - 2]);
      return self.load(level, parent, generation).then(function (ok) {
        if (!ok) return null; // stale or failed: leave the code input as it was
        var select = self.selects[level - 1];
        select.disabled = level <= self.locked;
        if (level > target) return level - 1; // the next list is ready to choose from
        select.value = code.slice(0, CODE_LENGTHS[level - 1]);
        if (select.value === "") return level - 1; // unknown code: stop at its parent
        return level < self.level ? step(level + 1) : level;
      });
    }

    return step(1).then(function (reached) {
      if (reached === null || generation !== self.generation) return;
      if (reached < target && why === "restore") {
        self.say(self.text("msg-not-found", "This area code was not found. Please choose again."));
      }
      self.changed();
    });
  };

  // Publish the deepest choice: fill the code input and tell listeners.
  RegionPicker.prototype.changed = function () {
    var code = "";
    var name = "";
    var level = 0;
    for (var i = this.selects.length - 1; i >= 0; i--) {
      var select = this.selects[i];
      if (select.value) {
        code = select.value;
        name = select.options[select.selectedIndex].textContent;
        level = i + 1;
        break;
      }
    }
    var complete = level === this.level;
    this.input.value = complete ? code : "";
    if (complete) this.selects[level - 1].removeAttribute("aria-invalid");
    this.root.setAttribute("data-region-current", code);
    this.root.dispatchEvent(new CustomEvent("region-change", {
      bubbles: true,
      detail: { code: code, level: level, name: name, complete: complete }
    }));
  };

  RegionPicker.prototype.bindSearch = function () {
    var self = this;
    var timer = null;
    var sequence = 0;

    function clear() {
      self.results.textContent = "";
    }

    function lookup() {
      var text = self.search.value.trim();
      var mine = ++sequence;
      clearTimeout(timer);
      if (text.length < SEARCH_MIN_CHARS) {
        clear();
        return;
      }
      var url = self.searchUrl + "?q=" + encodeURIComponent(text) + "&level=" + self.level +
        (self.within ? "&within=" + encodeURIComponent(self.within) : "");
      getJSON(url).then(function (data) {
        if (mine !== sequence) return;
        clear();
        var regions = data.regions || [];
        if (!regions.length) {
          self.results.appendChild(make("li", "region-none", self.text("msg-no-results", "Nothing found.")));
        }
        regions.forEach(function (region) {
          var item = make("li");
          var button = make("button", "", region.label || region.name);
          button.type = "button";
          button.addEventListener("click", function () { choose(region); });
          item.appendChild(button);
          self.results.appendChild(item);
        });
      }, function () {
        if (mine !== sequence) return;
        clear();
        self.say(self.text("msg-error", "The list could not be loaded. Check the connection."), false);
      });
    }

    function choose(region) {
      var code = digits(region.code);
      if (!levelOf(code) || (self.within && code.indexOf(self.within) !== 0)) return;
      sequence++;
      clear();
      self.search.value = region.label || region.name;
      self.applyCode(code, "user");
      self.selects[self.selects.length - 1].focus();
    }

    this.search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, SEARCH_DELAY_MS);
    });
    this.search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // never submit the surrounding form from here
        var buttons = self.results.querySelectorAll("button");
        if (buttons.length === 1) buttons[0].click();
        else lookup();
      } else if (event.key === "Escape") {
        clear();
      }
    });
  };

  Array.prototype.forEach.call(document.querySelectorAll("[data-region-picker]"), function (root) {
    if (!root.hasAttribute("data-region-ready")) {
      root.setAttribute("data-region-ready", "");
      new RegionPicker(root); // eslint-disable-line no-new
    }
  });
})();
