// Filters and sort orders for the tables of generated pages (summary of findings, recommendations), in the
// browser, without a server. A table with id X is driven by <form class="ev-filters" data-ev-table="X">:
// each <select name="N"> shows only the rows whose data-N lists the chosen value (space-separated); a
// <select data-ev-sort> reorders rows by their data-order-<value> ranks (data-order when empty). The form
// stays hidden without JavaScript, and the table is then shown whole. A list split into pages names, in the form's
// data-ev-index, a compact JSON file of every row's values (paging.py): fetched once, when a filter is first used,
// to say which other pages hold matching rows.
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
      if (output && form.dataset.evIndex && filters.length) elsewhere(filters, shown);
      else form.dataset.evAsked = "";  // an answer still on its way is for filters no longer chosen
    }

    var index = null;
    function elsewhere(filters, shown) {
      if (!index) {
        index = fetch(form.dataset.evIndex).then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        });
      }
      var asked = JSON.stringify(filters);
      form.dataset.evAsked = asked;
      index.then(function (data) {
        if (form.dataset.evAsked !== asked) return;  // a later choice is on its way
        var fields = Object.keys(data.fields), here = Number(form.dataset.evPage), pages = {}, total = 0;
        var wanted = filters.map(function (filter) {
          return [fields.indexOf(filter[0]), data.fields[filter[0]] ? data.fields[filter[0]].indexOf(filter[1]) : -1];
        });
        data.rows.forEach(function (row, n) {
          var keep = wanted.every(function (w) { return w[0] >= 0 && row[w[0]].indexOf(w[1]) >= 0; });
          if (!keep) return;
          total += 1;
          var page = Math.floor(n / data.size) + 1;
          if (page !== here) pages[page] = (pages[page] || 0) + 1;
        });
        var others = Object.keys(pages).map(Number).sort(function (a, b) { return a - b; });
        output.textContent = shown + " shown on this page, " + total.toLocaleString("en") + " in all";
        if (!others.length) return;
        output.appendChild(document.createTextNode("; more on page" + (others.length > 1 ? "s " : " ")));
        others.slice(0, 12).forEach(function (page, i) {
          if (i) output.appendChild(document.createTextNode(", "));
          var link = document.createElement("a");
          var target = new URL(data.pages[page - 1], new URL(form.dataset.evIndex, location.href));
          target.search = new URLSearchParams(filters).toString();  // the next page opens with the same filters
          link.href = target.href;
          link.textContent = page + " (" + pages[page] + ")";
          output.appendChild(link);
        });
        if (others.length > 12) output.appendChild(document.createTextNode(" and " + (others.length - 12) + " more"));
      }).catch(function () {
        output.appendChild(document.createTextNode(" (on this page; which other pages have more could not be loaded)"));
      });
    }

    // Filters chosen in the address (?certainty=low) are applied, and choices made here are kept in it: a
    // filtered list can be linked to, and a link to another page of the list keeps them.
    var params = new URLSearchParams(location.search);
    Array.prototype.forEach.call(form.querySelectorAll("select"), function (select) {
      var value = params.get(select.name);
      if (value !== null && Array.prototype.some.call(select.options, function (o) { return o.value === value; })) {
        select.value = value;
      }
    });
    form.addEventListener("change", function () {
      var address = new URL(location.href);
      Array.prototype.forEach.call(form.querySelectorAll("select"), function (select) {
        if (select.value) address.searchParams.set(select.name, select.value);
        else address.searchParams.delete(select.name);
      });
      history.replaceState(history.state, "", address.href);
      apply();
    });
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

