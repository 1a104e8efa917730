/* mistral-eval view: run filters, sorting and picking two runs to compare. Offline: no request of any kind. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("viewer-config").textContent);
  var form = document.getElementById("filters");
  var cards = Array.prototype.slice.call(document.querySelectorAll("article.run"));
  var container = document.querySelector("#runs .cards");
  var picked = [];

  function order(a, b) {
    var key = form.elements.sort.value;
    if (key === "rate") { return Number(b.dataset.rate) - Number(a.dataset.rate); }
    if (key === "name") { return a.dataset.name.localeCompare(b.dataset.name); }
    return b.dataset.date.localeCompare(a.dataset.date);
  }

  function apply() {
    var query = form.elements.q.value.trim().toLowerCase();
    var model = form.elements.model.value, quant = form.elements.quant.value, suite = form.elements.suite.value;
    var sweep = form.elements.sweep.value;
    var count = 0;
    cards.forEach(function (card) {
      var d = card.dataset;
      var visible = (!query || d.search.indexOf(query) >= 0) && (!model || d.model === model) &&
        (!quant || d.quant === quant) && (!suite || d.suites.split(" ").indexOf(suite) >= 0) &&
        (!sweep || d.sweep === sweep);
      card.hidden = !visible;
      if (visible) { count += 1; }
    });
    cards.slice().sort(order).forEach(function (card) { container.appendChild(card); });
    document.getElementById("shown").textContent = count + " of " + cards.length + " runs shown";
  }

  function slug(path) { return path.replace(/[^A-Za-z0-9._-]/gu, "_"); }
  function shell(path) { return /^[A-Za-z0-9._\/-]+$/.test(path) ? path : "'" + path.replace(/'/g, "'\\''") + "'"; }

  function compare() {
    var link = document.getElementById("compare-link"), command = document.getElementById("compare-command");
    var status = document.getElementById("picked");
    link.hidden = true;
    command.hidden = true;
    if (picked.length !== 2) {
      status.textContent = picked.length > 2 ? picked.length + " runs picked: pick only two to compare."
        : "Pick two runs (☐) to compare them case by case (" + picked.length + " picked).";
      return;
    }
    var a = picked[0], b = picked[1];
    status.textContent = "Comparing " + a + " (baseline) with " + b + ":";
    if (config.serving) {
      link.href = "/compare?a=" + encodeURIComponent(a) + "&b=" + encodeURIComponent(b);
      link.hidden = false;
      return;
    }
    var name = slug(a) + "__vs__" + slug(b);
    var href = config.comparisons[name + ".html"] || config.comparisons[slug(b) + "__vs__" + slug(a) + ".html"];
    if (href) {
      link.href = href;
      link.hidden = false;
    } else {
      command.textContent = "cd " + shell(config.root) + " && mistral-eval compare " + shell(a) + " " + shell(b) + " --out " +
        shell(config.dir + "/" + name + ".html");
      command.hidden = false;
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("input.pick"), function (box) {
    box.checked = false;
    box.addEventListener("change", function () {
      picked = picked.filter(function (path) { return path !== box.value; });
      if (box.checked) { picked.push(box.value); }
      compare();
    });
  });
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  apply();
  compare();
})();
