// apoa's report pages on a phone (issue 12), as progressive enhancement: without
// JavaScript every button is a plain submit and the server does the same work.
// - a report is kept in the outbox (outbox.js) before it is sent, and sent again when
//   the connection returns; the panel lists what waits and what needs fixing;
// - guests are added and removed and filled from the MRZ in the page, keeping the
//   scroll position and the focus; errors come back all at once, with a summary;
// - what is typed is kept as a draft through a reload or a closed tab.
/* global apoaOutbox */
(function () {
  "use strict";
  if (!window.apoaOutbox || !window.indexedDB) return;

  var stringsBlock = document.getElementById("outbox-strings");
  var T = stringsBlock ? JSON.parse(stringsBlock.textContent) : {};
  var user = document.body.getAttribute("data-user");
  if (!user) return;
  var reportForm = document.querySelector("form[data-report-form]");
  var params = new URLSearchParams(location.search);
  var reopenedKey = params.get("outbox");

  function text(name, values) {
    var s = T[name] || name;
    Object.keys(values || {}).forEach(function (k) { s = s.split("{" + k + "}").join(values[k]); });
    return s;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function when(ms) {
    return new Date(ms).toLocaleString(document.documentElement.lang || "id", {
      day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
    });
  }

  // ------------------------------------------------------------ the outbox panel

  var panels = document.querySelectorAll("[data-outbox-panel]");

  function describe(entry) {
    if (entry.status === "sent") return text("sent", { receipt: entry.receipt });
    if (entry.status === "needs_fix") return text("needs_fix");
    if (entry.status === "signin") return text("signin");
    if (entry.status === "expired") return text("expired");
    if (apoaOutbox.isOld(entry)) {
      return text("old", { until: when(entry.created + apoaOutbox.EXPIRE_AFTER) });
    }
    return text("waiting");
  }

  function entryItem(entry) {
    var parts = [
      el("strong", { text: entry.label || entry.action }),
      el("span", { text: " · " + text("made_at", { when: when(entry.created) }) }),
      el("br"),
      el("span", { "class": "outbox-status", text: describe(entry) }),
    ];
    if (entry.status === "sent" && entry.url) {
      parts.push(document.createTextNode(" "));
      parts.push(el("a", { href: entry.url, text: text("open_receipt") }));
    }
    if (entry.status === "needs_fix" || entry.status === "expired") {
      parts.push(document.createTextNode(" "));
      parts.push(el("a", { href: entry.action + "?outbox=" + encodeURIComponent(entry.key), text: text("open") }));
    }
    if (entry.status === "signin") {
      parts.push(document.createTextNode(" "));
      parts.push(el("a", { href: "/login", text: text("sign_in") }));
    }
    (entry.messages || []).forEach(function (m) {
      parts.push(el("br"));
      parts.push(el("span", { "class": "outbox-message", text: m.text }));
    });
    var item = el("li", { "class": "outbox-" + entry.status, "data-outbox-entry": entry.key }, parts);
    return item;
  }

  function renderPanels(entries) {
    var shown = entries.filter(function (e) {
      return e.status !== "sent" || Date.now() - (e.sent_at || 0) < 24 * 3600 * 1000;
    });
    var unsent = shown.filter(function (e) { return e.status !== "sent"; });
    panels.forEach(function (panel) {
      panel.textContent = "";
      panel.hidden = shown.length === 0;
      if (!shown.length) return;
      var waiting = unsent.filter(function (e) { return e.status === "waiting" || e.status === "signin"; });
      var fixing = unsent.filter(function (e) { return e.status === "needs_fix" || e.status === "expired"; });
      var sent = shown.filter(function (e) { return e.status === "sent"; });
      panel.appendChild(el("h2", { text: text("title") }));
      [[waiting, "waiting_title"], [fixing, "needs_fix_title"], [sent, "sent_title"]].forEach(function (group) {
        if (!group[0].length) return;
        panel.appendChild(el("h3", { text: text(group[1], { n: group[0].length }) }));
        panel.appendChild(el("ul", { "class": "outbox-list" }, group[0].map(entryItem)));
      });
      if (waiting.length) {
        var button = el("button", { type: "button", "class": "button secondary wide", "data-send-now": "", text: text("send_now") });
        button.addEventListener("click", function () { sendDue(true); });
        panel.appendChild(button);
      }
    });
  }

  function refresh() {
    return apoaOutbox.list(user).then(renderPanels);
  }

  var sending = null;
  function sendDue(force) {
    if (sending) return sending;
    sending = apoaOutbox.sendAll({ user: user, force: !!force })
      .then(refresh, refresh)
      .then(function () { sending = null; });
    return sending;
  }

  window.addEventListener("online", function () { sendDue(true); });
  refresh().then(function () { sendDue(true); });  // "the next page load"
  // Reports waiting with a backoff: look again every half minute while the page is open.
  setInterval(function () { if (navigator.onLine !== false) sendDue(false); }, 30000);

  if (!reportForm) return;

  // ------------------------------------------------------------ the report form

  var draftId = user + ":" + location.pathname;
  var keyField = reportForm.querySelector("[name=submission_key]");
  var maxGuests = Number(reportForm.getAttribute("data-max-guests") || 50);
  var notice = document.getElementById("report-notice");

  function guests() { return reportForm.querySelectorAll("fieldset.guest"); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }

  function renumber(node, from, to) {
    ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
      node.querySelectorAll("[" + attr + "]").forEach(function (child) {
        child.setAttribute(attr, child.getAttribute(attr).split("guests-" + from + "-").join("guests-" + to + "-"));
      });
    });
  }

  function clearGuest(fieldset) {
    fieldset.querySelectorAll("input, select, textarea").forEach(function (input) {
      if (input.type === "radio" || input.type === "checkbox") input.checked = false;
      else if (input.tagName === "SELECT") input.selectedIndex = 0;
      else input.value = "";
    });
    fieldset.querySelectorAll(".errors").forEach(function (list) { list.remove(); });
    fieldset.querySelectorAll(".has-error").forEach(function (f) { f.classList.remove("has-error"); });
    fieldset.querySelectorAll("[aria-invalid]").forEach(function (f) { f.removeAttribute("aria-invalid"); });
    var details = fieldset.querySelector("details");
    if (details) details.open = false;
  }

  function addGuest(focus) {
    var all = guests();
    if (all.length >= maxGuests) return null;
    var index = all.length;
    var copy = all[0].cloneNode(true);
    copy.id = "guest-" + index;
    renumber(copy, 0, index);
    clearGuest(copy);
    var legend = copy.querySelector("legend");
    legend.textContent = legend.textContent.replace(/\d+/, String(index + 1));
    copy.querySelector("input[name=head]").value = String(index);
    var fill = copy.querySelector("button[name=fill_mrz]");
    if (fill) fill.value = String(index);
    all[all.length - 1].after(copy);
    updateGuestButtons();
    if (focus) copy.querySelector("summary, input:not([type=radio]), select").focus();
    return copy;
  }

  function removeGuest() {
    var all = guests();
    if (all.length < 2) return;
    var last = all[all.length - 1];
    var wasHead = last.querySelector("input[name=head]").checked;
    last.remove();
    if (wasHead) guests()[0].querySelector("input[name=head]").checked = true;
    updateGuestButtons();
  }

  var addButton = reportForm.querySelector("button[name=add_guest]");
  var removeButton = reportForm.querySelector("button[name=remove_guest]");
  function updateGuestButtons() {
    if (!addButton) return;
    if (!removeButton) {
      removeButton = el("button", { "class": "button secondary", name: "remove_guest", value: "1", type: "button", text: "− " + text("remove_guest") });
      addButton.after(document.createTextNode(" "), removeButton);
      removeButton.addEventListener("click", onRemove);
    }
    removeButton.hidden = guests().length < 2;
    addButton.disabled = guests().length >= maxGuests;
  }
  function onRemove(event) {
    event.preventDefault();
    removeGuest();
    addButton.focus();
    saveDraftSoon();
  }
  if (addButton) {
    addButton.type = "button";
    addButton.addEventListener("click", function (event) {
      event.preventDefault();
      addGuest(true);
      saveDraftSoon();
    });
  }
  if (removeButton) {
    removeButton.type = "button";
    removeButton.addEventListener("click", onRemove);
  }

  // Fill from the MRZ in the page: the server reads it (every check digit), the page
  // only places the fields. Offline, the reporter types them. A pasted MRZ is sent at
  // once, so on a slow line the answer is usually there by the time "Isi dari MRZ" is tapped.
  var mrzAnswers = {};
  function readMrz(textValue) {
    if (!mrzAnswers[textValue]) {
      var csrf = reportForm.querySelector("[name=csrf_token]");
      mrzAnswers[textValue] = fetch(reportForm.getAttribute("data-mrz-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
        body: JSON.stringify({ mrz: textValue }),
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      });
      // A failed request (offline) is not kept: the next tap tries again.
      mrzAnswers[textValue].catch(function () { delete mrzAnswers[textValue]; });
    }
    return mrzAnswers[textValue];
  }
  reportForm.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("textarea[name$=-mrz]")) return;
    if (box.value.replace(/\s/g, "").length >= 88) readMrz(box.value).catch(function () {});
  });
  reportForm.addEventListener("click", function (event) {
    var button = event.target.closest("button[name=fill_mrz]");
    if (!button) return;
    event.preventDefault();
    var fieldset = button.closest("fieldset.guest");
    var index = button.value;
    var box = fieldset.querySelector("textarea[name$=-mrz]");
    readMrz(box.value).then(function (answer) {
      clearFieldError(box);
      if (!answer.ok) {
        showFieldError(box, (answer.body.errors || [text("mrz_failed")]).join(" "));
        box.focus();
        return;
      }
      Object.keys(answer.body.fields).forEach(function (name) {
        var input = reportForm.querySelector("[name='guests-" + index + "-" + name + "']");
        if (input) { input.value = answer.body.fields[name]; clearFieldError(input); }
      });
      say(text("mrz_filled", { n: Number(index) + 1 }), "success", box);
      var next = fieldset.querySelector("[name$=-birth_place]");
      if (next) next.focus();
      saveDraftSoon();
    }).catch(function () {
      showFieldError(box, text("mrz_offline"));
      box.focus();
    });
  });

  // Errors: on their fields, and in a summary at the top that takes the focus.
  function fieldBox(input) { return input.closest(".field"); }
  function clearFieldError(input) {
    var box = fieldBox(input);
    if (!box) return;
    box.classList.remove("has-error");
    var list = box.querySelector(".errors");
    if (list) list.remove();
    input.removeAttribute("aria-invalid");
    var help = box.querySelector(".help");
    if (help) input.setAttribute("aria-describedby", help.id); else input.removeAttribute("aria-describedby");
  }
  function showFieldError(input, message) {
    var box = fieldBox(input);
    if (!box) return;
    box.classList.add("has-error");
    var list = box.querySelector(".errors");
    if (!list) {
      list = el("ul", { id: input.id + "-errors", "class": "errors" });
      box.appendChild(list);
    }
    list.appendChild(el("li", { text: message }));
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", list.id);
  }

  function clearAllErrors() {
    reportForm.querySelectorAll(".error-summary, .form-errors").forEach(function (n) { n.remove(); });
    reportForm.querySelectorAll("[aria-invalid]").forEach(clearFieldError);
  }

  function showErrors(errors, formErrors) {
    clearAllErrors();
    var items = [];
    errors.forEach(function (error) {
      var input = reportForm.querySelector("[name='" + error.field + "']");
      if (input) showFieldError(input, error.message);
      var target = input ? input.id : "";
      items.push(el("li", {}, [target
        ? el("a", { href: "#" + target, text: error.label + ": " + error.message })
        : el("span", { text: error.label + ": " + error.message })]));
    });
    formErrors.forEach(function (message) { items.push(el("li", { text: message })); });
    var summary = el("div", { "class": "error-summary", role: "alert", tabindex: "-1", "aria-labelledby": "error-summary-title" }, [
      el("h2", { id: "error-summary-title", text: text("problem") }),
      el("ul", {}, items),
    ]);
    var after = reportForm.querySelector("[name=csrf_token]") || reportForm.firstChild;
    reportForm.insertBefore(summary, after.nextSibling);
    summary.focus({ preventScroll: true });
    summary.scrollIntoView({ block: "start" });
  }

  function say(message, kind, near) {
    var node = el("p", { "class": "flash flash-" + kind, role: "status", text: message });
    if (near) {
      var old = near.parentNode.querySelector(".flash");
      if (old) old.remove();
      near.closest(".field").after(node);
    } else if (notice) {
      notice.textContent = "";
      notice.appendChild(node);
      notice.hidden = false;
    }
    return node;
  }

  // What the form says, as name/value pairs in the page's order (what a plain submit sends).
  function fields(submitter) {
    var pairs = [];
    new FormData(reportForm).forEach(function (value, name) { pairs.push([name, String(value)]); });
    if (submitter && submitter.name) pairs.push([submitter.name, submitter.value]);
    return pairs;
  }

  function fill(pairs) {
    var guestCount = 1;
    pairs.forEach(function (pair) {
      var m = /^guests-(\d+)-/.exec(pair[0]);
      if (m) guestCount = Math.max(guestCount, Number(m[1]) + 1);
    });
    while (guests().length < guestCount && addGuest(false)) { /* add */ }
    pairs.forEach(function (pair) {
      var name = pair[0];
      if (name === "csrf_token" || name === "submission_key" || name === "submit") return;
      reportForm.querySelectorAll("[name='" + name + "']").forEach(function (input) {
        if (input.type === "radio" || input.type === "checkbox") input.checked = input.value === pair[1];
        else input.value = pair[1];
      });
    });
  }

  function label() {
    var count = guests().length;
    var room = reportForm.querySelector("[name=room]");
    var place = reportForm.querySelector("[name=lodging_id]");
    var where = place && place.selectedIndex >= 0 ? place.options[place.selectedIndex].text : "";
    var base = count ? text("label_guests", { n: count }) : text("label_nil");
    return [base, where, room && room.value ? room.value : ""].filter(Boolean).join(" · ");
  }

  var draftTimer = null;
  function saveDraftSoon() {
    clearTimeout(draftTimer);
    draftTimer = setTimeout(function () {
      apoaOutbox.saveDraft(draftId, { fields: fields(null) });
    }, 400);
  }
  reportForm.addEventListener("input", saveDraftSoon);
  reportForm.addEventListener("change", saveDraftSoon);

  function freshForm() {
    while (guests().length > 1) removeGuest();
    reportForm.reset();
    guests().forEach(clearGuest);
    clearAllErrors();
    if (keyField) keyField.value = newKey();
  }

  reportForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var submitter = event.submitter;
    var pairs = fields(submitter);
    clearTimeout(draftTimer);
    var report = { key: keyField.value, user: user, action: reportForm.getAttribute("action") || location.pathname, fields: pairs, label: label() };
    var busy = reportForm.querySelector("button[type=submit]");
    if (busy) busy.disabled = true;
    apoaOutbox.get(report.key).then(function (earlier) {
      var kept = earlier
        ? Object.assign({}, earlier, { fields: pairs, label: report.label, status: "waiting", next_try: 0, errors: [], form_errors: [] })
        : null;
      return apoaOutbox.add(kept || report);
    }).then(function (entry) {
      apoaOutbox.dropDraft(draftId);
      return apoaOutbox.sendNow(entry.key, { foreground: true });
    }).then(function (entry) {
      if (busy) busy.disabled = false;
      if (entry.status === "sent") { location.assign(entry.url); return; }
      if (entry.status === "needs_fix") { showErrors(entry.errors, entry.form_errors); refresh(); return; }
      apoaOutbox.requestSync();  // Background Sync, where the browser has it
      freshForm();
      refresh();
      var message = say(entry.status === "signin" ? text("kept_signin") : text("kept_offline"), "info");
      message.setAttribute("tabindex", "-1");
      message.focus();
    });
  });

  // Back to a page the browser kept (after the receipt): a new report, not the old one.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && !reopenedKey) freshForm();
  });

  // On load: a report reopened from the outbox, else the draft, else a fresh form.
  // The key is new on every fresh form: a page kept for offline use carries an old one.
  if (reopenedKey) {
    apoaOutbox.get(reopenedKey).then(function (entry) {
      if (!entry || entry.user !== user) { keyField.value = newKey(); return; }
      fill(entry.fields);
      keyField.value = entry.key;
      if (entry.errors.length || entry.form_errors.length) showErrors(entry.errors, entry.form_errors);
    });
  } else {
    var serverErrors = reportForm.querySelector(".error-summary");
    if (!serverErrors && keyField) keyField.value = newKey();
    if (!serverErrors) {
      apoaOutbox.getDraft(draftId).then(function (draft) {
        if (draft && draft.fields) fill(draft.fields);
      });
    }
  }
})();
