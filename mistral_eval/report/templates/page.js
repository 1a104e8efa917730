/* mistral-eval pages: case filters and sortable tables. Offline: no request of any kind. */
(function () {
  "use strict";
  function list(value) { try { return JSON.parse(value || "[]"); } catch (e) { return []; } }

  var form = document.getElementById("filters");
  if (form) {
    var cases = Array.prototype.slice.call(document.querySelectorAll("article.case"));
    var shown = document.getElementById("shown");
    var apply = function () {
      var show = form.elements.show.value, suite = form.elements.suite.value;
      var tag = form.elements.tag.value, language = form.elements.language.value;
      var check = form.elements.check.value, query = form.elements.q.value.trim().toLowerCase();
      var count = 0;
      cases.forEach(function (item) {
        var d = item.dataset;
        var visible = (show === "all" || d[show] === "1") &&
          (!suite || d.suite === suite) && (!language || d.language === language) &&
          (!tag || list(d.tags).indexOf(tag) >= 0) && (!check || list(d.checks).indexOf(check) >= 0) &&
          (!query || item.textContent.toLowerCase().indexOf(query) >= 0);
        item.hidden = !visible;
        if (visible) { count += 1; }
      });
      shown.textContent = count + " of " + cases.length + " cases shown";
    };
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    apply();
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, column) {
      th.title = "sort";
      th.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var key = function (row) {
          var cell = row.cells[column];
          var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
          var number = parseFloat(raw);
          return raw !== "" && !isNaN(number) && isFinite(raw) ? number : raw.toLowerCase();
        };
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          if (typeof x !== typeof y) { return typeof x === "number" ? -1 : 1; }
          return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
