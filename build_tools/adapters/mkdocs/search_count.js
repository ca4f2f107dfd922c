// Search lists the best results of a query (search_worker.js), and Material counts the results
// it lists: when more pages matched, the worker says how many, and the count says so too.
(function () {
  "use strict";
  if (typeof BroadcastChannel === "undefined") return;
  var latest = null;

  function correct() {
    var meta = document.querySelector(".md-search-result__meta");
    var box = document.querySelector(".md-search__input");
    if (!meta || !latest || !box || box.value !== latest.query) return;
    var shown = parseInt(meta.textContent.replace(/[^0-9]/g, ""), 10);
    if (shown !== latest.listed) return;  // Material is still showing the first results, or another query's
    var text = latest.total.toLocaleString("en") + " matching documents, the best " + latest.listed + " listed";
    if (meta.textContent !== text) meta.textContent = text;
  }

  new BroadcastChannel("evidence-search-counts").onmessage = function (event) {
    latest = event.data;  // sent when more matched than are listed: the query, how many matched, pages listed
    correct();
  };
  function watch() {
    var meta = document.querySelector(".md-search-result__meta");
    if (meta) new MutationObserver(correct).observe(meta, { childList: true, characterData: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();
})();
