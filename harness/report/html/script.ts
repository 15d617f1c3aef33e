/**
 * The page's only script: filters and expand/collapse. Everything else is
 * static HTML and SVG, so the report reads the same with scripts off (the
 * filters then do nothing). Expanding a spec with Enter or Space is the
 * browser's own `<details>` behaviour, not ours.
 *
 * Plain ES2017 in a string, written to be read: it goes into the page as it
 * is, and the page's Content-Security-Policy allows exactly this text (by
 * its hash) and nothing else.
 */
export const SCRIPT = `
(function () {
  'use strict';
  var boxes = Array.prototype.slice.call(document.querySelectorAll('#filters input[name="verdict"]'));
  var text = document.getElementById('filter-text');
  var shown = document.getElementById('shown');
  var filtered = Array.prototype.slice.call(document.querySelectorAll('[data-verdict][data-search]'));
  var specs = Array.prototype.slice.call(document.querySelectorAll('section.spec'));

  function apply() {
    var on = {};
    boxes.forEach(function (b) { if (b.checked) on[b.value] = true; });
    var terms = text.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var n = 0;
    filtered.forEach(function (el) {
      var hay = el.getAttribute('data-search');
      // A matrix row lists the verdicts of all its results; it shows when any is wanted.
      var wanted = el.getAttribute('data-verdict').split(' ').some(function (v) { return on[v] === true; });
      var ok = wanted && terms.every(function (t) { return hay.indexOf(t) >= 0; });
      el.hidden = !ok;
      if (ok && el.classList.contains('spec')) n++;
    });
    shown.textContent = n + ' of ' + specs.length + ' specs shown';
    document.body.classList.toggle('nothing-shown', n === 0);
  }
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  text.addEventListener('input', apply);

  function setAll(open) {
    specs.forEach(function (s) { if (!s.hidden) s.querySelector('details').open = open; });
  }
  document.getElementById('expand-all').addEventListener('click', function () { setAll(true); });
  document.getElementById('collapse-all').addEventListener('click', function () { setAll(false); });

  // A link to a spec (from the matrix, or a URL with #spec-...) opens it.
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el && el.classList.contains('spec')) {
      el.hidden = false;
      var d = el.querySelector('details');
      d.open = true;
      d.querySelector('summary').focus();
    }
  }
  window.addEventListener('hashchange', openTarget);
  window.addEventListener('beforeprint', function () { setAll(true); });
  openTarget();
  apply();
})();
`;
