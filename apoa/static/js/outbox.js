// apoa's outbox (issue 12, security.md R15): a report made on the phone is kept in
// IndexedDB with its one-time submission key until the server has answered it, so a
// lost connection loses nothing and a retry doubles nothing (the server returns the
// first receipt for a key it has seen). Loaded by the report pages and by the
// service worker (/sw.js), so it touches no DOM. Needs idb (vendor/idb/umd.js).
/* global idb */
(function (root) {
  "use strict";

  var DB_NAME = "apoa";
  var SYNC_TAG = "apoa-outbox";
  var HOUR = 3600 * 1000;
  var WARN_AFTER = 48 * HOUR;
  var EXPIRE_AFTER = 72 * HOUR;
  var FIRST_WAIT = 5 * 1000;
  var LONGEST_WAIT = 10 * 60 * 1000;
  // Answers after which the same request may succeed later.
  var TRY_AGAIN = [408, 409, 425, 429];

  function openDb() {
    return idb.openDB(DB_NAME, 1, {
      upgrade: function (db) {
        db.createObjectStore("outbox", { keyPath: "key" });
        db.createObjectStore("drafts", { keyPath: "id" });
      },
    });
  }

  async function withDb(work) {
    var db = await openDb();
    try { return await work(db); } finally { db.close(); }
  }

  // One sender at a time across the page and the worker; the server would cope with
  // two (same key, same receipt), but one is kinder to a slow connection.
  function exclusively(work) {
    var locks = root.navigator && root.navigator.locks;
    return locks ? locks.request("apoa-outbox", work) : work();
  }

  function put(entry) { return withDb(function (db) { return db.put("outbox", entry); }); }
  function get(key) { return withDb(function (db) { return db.get("outbox", key); }); }
  function remove(key) { return withDb(function (db) { return db.delete("outbox", key); }); }

  async function list(user) {
    var entries = await withDb(function (db) { return db.getAll("outbox"); });
    return entries
      .filter(function (e) { return user === undefined || e.user === String(user); })
      .sort(function (a, b) { return a.created - b.created; });
  }

  // A new report: kept before anything is sent.
  async function add(report) {
    var entry = Object.assign(
      { status: "waiting", attempts: 0, next_try: 0, created: Date.now(), errors: [], form_errors: [] },
      report
    );
    await put(entry);
    return entry;
  }

  function requestSync() {
    var nav = root.navigator;
    if (!nav || !nav.serviceWorker || !nav.serviceWorker.ready) return;
    nav.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register(SYNC_TAG);
    }).catch(function () {});
  }

  function age(entry, now) { return (now || Date.now()) - entry.created; }
  function isOld(entry, now) { return age(entry, now) >= WARN_AFTER; }

  function backoff(attempts, retryAfter) {
    if (retryAfter) return Math.min(retryAfter * 1000, LONGEST_WAIT);
    var wait = Math.min(FIRST_WAIT * Math.pow(2, attempts - 1), LONGEST_WAIT);
    return wait / 2 + Math.random() * wait / 2;
  }

  function post(entry, foreground) {
    var headers = {
      "Accept": "application/json",
      "X-Apoa-Outbox": "1",
      "X-Apoa-User": entry.user,
    };
    if (foreground) headers["X-Apoa-Foreground"] = "1";
    return fetch(entry.action, {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: new URLSearchParams(entry.fields),
    });
  }

  async function freshCsrfToken() {
    var response = await fetch("/session/csrf", {
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Apoa-Outbox": "1" },
    });
    if (!response.ok) return null;
    return (await response.json()).csrf_token;
  }

  function withToken(fields, token) {
    return fields.map(function (pair) { return pair[0] === "csrf_token" ? [pair[0], token] : pair; });
  }

  async function readJson(response) {
    var type = response.headers.get("Content-Type") || "";
    return type.indexOf("application/json") === 0 ? response.json() : null;
  }

  // Send one report and record what became of it; never throws.
  async function send(entry, options) {
    var foreground = options && options.foreground;
    var response, body;
    try {
      response = await post(entry, foreground);
      body = await readJson(response);
      if (response.status === 400 && body && body.error === "csrf") {
        var token = await freshCsrfToken();  // once; the report keeps its key
        if (token === null) return settle(entry, { status: "signin" });
        entry.fields = withToken(entry.fields, token);
        response = await post(entry, foreground);
        body = await readJson(response);
      }
    } catch (networkError) {
      return retryLater(entry, null);
    }
    if (response.status >= 200 && response.status < 300 && body && body.receipt) {
      return settle(entry, {
        status: "sent", receipt: body.receipt, url: body.url,
        messages: body.messages || [], errors: [], form_errors: [], sent_at: Date.now(),
      });
    }
    if (response.status === 401) return settle(entry, { status: "signin" });
    if (body && (response.status === 400 || response.status === 422) && body.error !== "csrf") {
      return settle(entry, {
        status: "needs_fix", errors: body.errors || [], form_errors: body.form_errors || [],
      });
    }
    if (response.status >= 500 || TRY_AGAIN.indexOf(response.status) !== -1 || !body) {
      return retryLater(entry, Number(response.headers.get("Retry-After")) || null);
    }
    return settle(entry, { status: "needs_fix", errors: [], form_errors: body.form_errors || [] });
  }

  function retryLater(entry, retryAfter) {
    var attempts = (entry.attempts || 0) + 1;
    return settle(entry, {
      status: "waiting", attempts: attempts, next_try: Date.now() + backoff(attempts, retryAfter),
    });
  }

  // Record what became of a report, unless it is gone meanwhile: a sign-out that wiped
  // the outbox while a send was in flight must not have the report written back.
  async function settle(entry, changes) {
    var updated = Object.assign({}, entry, changes);
    await withDb(async function (db) {
      var tx = db.transaction("outbox", "readwrite");
      if (await tx.store.get(entry.key)) await tx.store.put(updated);
      await tx.done;
    });
    return updated;
  }

  // Send one report now (the reporter pressed "send"), unless another sender has just
  // sent it or tried and is waiting out its backoff.
  function sendNow(key, options) {
    return exclusively(async function () {
      var entry = await get(key);
      if (!entry || entry.status !== "waiting" || entry.next_try > Date.now()) return entry;
      return send(entry, options);
    });
  }

  // Send every report that is due. `options.force` ignores the backoff ("Kirim sekarang",
  // the `online` event); `options.user` limits it to the signed-in user's reports.
  function sendAll(options) {
    options = options || {};
    return exclusively(async function () {
      var now = Date.now();
      var results = [];
      var entries = await list(options.user);
      for (var i = 0; i < entries.length; i++) {
        var entry = entries[i];
        if (entry.status === "waiting" && age(entry, now) >= EXPIRE_AFTER) {
          results.push(await settle(entry, { status: "expired" }));
          continue;
        }
        var due = entry.status === "waiting" && (options.force || entry.next_try <= now);
        var signedInAgain = entry.status === "signin" && options.user !== undefined;
        if (due || signedInAgain) results.push(await send(entry, options));
      }
      return results;
    });
  }

  // Drafts: the form as typed so far, one per page and user.
  function saveDraft(id, draft) {
    return withDb(function (db) { return db.put("drafts", Object.assign({ id: id, saved: Date.now() }, draft)); });
  }
  function getDraft(id) { return withDb(function (db) { return db.get("drafts", id); }); }
  function dropDraft(id) { return withDb(function (db) { return db.delete("drafts", id); }); }

  // Signing out: nothing of the reporter's stays on the phone.
  async function wipe() {
    await withDb(async function (db) {
      await db.clear("outbox");
      await db.clear("drafts");
    });
  }

  root.apoaOutbox = {
    SYNC_TAG: SYNC_TAG, WARN_AFTER: WARN_AFTER, EXPIRE_AFTER: EXPIRE_AFTER,
    add: add, get: get, list: list, remove: remove, send: send, sendNow: sendNow,
    sendAll: sendAll, requestSync: requestSync,
    isOld: isOld, saveDraft: saveDraft, getDraft: getDraft, dropDraft: dropDraft, wipe: wipe,
  };
})(self);
