// Compliance list: choosing a district fills the village choices from /api/regions/children.
// Without this script the form still works: the villages appear after "Filter".
(function () {
  "use strict";

  var form = document.getElementById("compliance-filters");
  if (!form) return;
  var district = form.querySelector("select[name=district]");
  var village = form.querySelector("select[name=village]");
  if (!district || !village) return;
  var url = district.getAttribute("data-villages-url");

  function keepOnlyAll() {
    Array.prototype.slice.call(village.options, 1).forEach(function (option) {
      option.remove();
    });
    village.value = "";
  }

  // Leave unused filters out of the URL: a shorter link that still reproduces the view.
  form.addEventListener("submit", function () {
    form.querySelectorAll("select, input[type=hidden]").forEach(function (field) {
      if (!field.value) field.disabled = true;
    });
  });
  window.addEventListener("pageshow", function () {
    form.querySelectorAll("select, input[type=hidden]").forEach(function (field) {
      field.disabled = false;
    });
  });

  district.addEventListener("change", function () {
    keepOnlyAll();
    if (!district.value || !url) return;
    village.disabled = true;
    fetch(url + "?parent=" + encodeURIComponent(district.value), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { regions: [] }; })
      .then(function (data) {
        data.regions.forEach(function (region) {
          var option = document.createElement("option");
          option.value = region.code;
          option.textContent = region.name;
          village.appendChild(option);
        });
      })
      .finally(function () { village.disabled = false; });
  });
})();
