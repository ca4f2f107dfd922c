// Filters and sort orders for the tables of generated pages (summary of findings, recommendations), in the
// browser, without a server. A table with id X is driven by <form class="ev-filters" data-ev-table="X">:
// each <select name="N"> shows only the rows whose data-N lists the chosen value (space-separated); a
// <select data-ev-sort> reorders rows by their data-order-<value> ranks (data-order when empty). The form
// stays hidden without JavaScript, and the table is then shown whole.
(function () {
  "use strict";

  function setUp(form) {
    var table = document.getElementById(form.dataset.evTable);
    if (!table || form.dataset.evReady) return;
    form.dataset.evReady = "1";
    form.hidden = false;
    var output = form.querySelector("output");
    var bodies = Array.prototype.slice.call(table.tBodies);
    var rows = [];
    bodies.forEach(function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        if (!row.classList.contains("ev-group")) rows.push(row);
      });
    });

    function apply() {
      var filters = [], sortBy = null;
      Array.prototype.forEach.call(form.querySelectorAll("select"), function (select) {
        if (select.hasAttribute("data-ev-sort")) sortBy = select.value;
        else if (select.value) filters.push([select.name, select.value]);
      });
      var shown = 0;
      rows.forEach(function (row) {
        var keep = filters.every(function (filter) {
          return (row.getAttribute("data-" + filter[0]) || "").split(" ").indexOf(filter[1]) >= 0;
        });
        row.hidden = !keep;
        if (keep) shown += 1;
      });
      bodies.forEach(function (body) {  // a group whose rows are all hidden hides its heading too
        body.hidden = !Array.prototype.some.call(body.rows, function (row) {
          return !row.classList.contains("ev-group") && !row.hidden;
        });
      });
      if (sortBy !== null && bodies.length === 1) {
        var key = sortBy ? "data-order-" + sortBy : "data-order";
        rows.slice().sort(function (a, b) {
          return Number(a.getAttribute(key)) - Number(b.getAttribute(key));
        }).forEach(function (row) { bodies[0].appendChild(row); });
      }
      if (output) output.textContent = shown === rows.length ? rows.length + " shown" : shown + " of " + rows.length + " shown";
    }

    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    apply();
  }

  function setUpAll() {
    Array.prototype.forEach.call(document.querySelectorAll("form.ev-filters"), setUp);
  }

  // Material's instant navigation swaps pages without reloading: document$ tells when one is shown.
  if (typeof window.document$ !== "undefined" && window.document$.subscribe) window.document$.subscribe(setUpAll);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpAll);
  else setUpAll();
})();
