(function () {
  'use strict';
  // report.html's script: the contents' links, the issue filter, printing
  // with every detail open, and the URL table, which sorts, filters and
  // pages through the rows of the JSON data island. It builds the DOM with
  // textContent only: crawled text is never parsed as HTML. Without it the
  // page shows everything; it only adds controls.
  document.documentElement.className += ' js';

  // Printing opens every <details> (browsers without ::details-content
  // would print them closed) and closes again those that were closed.
  var closed = [];
  window.addEventListener('beforeprint', function () {
    closed = Array.prototype.filter.call(document.querySelectorAll('details'), function (d) { return !d.open; });
    closed.forEach(function (d) { d.open = true; });
  });
  window.addEventListener('afterprint', function () {
    closed.forEach(function (d) { d.open = false; });
    closed = [];
  });

  // The issue list: a text filter over each issue's title, rule, URLs and
  // referrers, and one toggle per severity.
  (function () {
    var list = document.getElementById('issue-list');
    if (!list) return;
    var box = document.getElementById('issue-filter');
    var info = document.getElementById('issue-info');
    var toggles = document.querySelectorAll('#issue-controls .sev-toggle');
    var issues = Array.prototype.map.call(list.children, function (li) {
      return { li: li, sev: li.getAttribute('data-severity'), h: li.textContent.toLowerCase() };
    });
    function apply() {
      var q = box.value.trim().toLowerCase();
      var on = {};
      Array.prototype.forEach.call(toggles, function (c) { on[c.value] = c.checked; });
      var shown = 0;
      issues.forEach(function (o) {
        var show = on[o.sev] !== false && (!q || o.h.indexOf(q) >= 0);
        o.li.classList.toggle('filtered', !show);
        if (show) shown++;
      });
      info.textContent = shown === issues.length ? issues.length + (issues.length === 1 ? ' issue' : ' issues') :
        shown + ' of ' + issues.length + ' issues';
      info.setAttribute('data-count', String(shown));
    }
    box.addEventListener('input', apply);
    Array.prototype.forEach.call(toggles, function (c) { c.addEventListener('change', apply); });
    apply();
  })();

  var data = JSON.parse(document.getElementById('url-data').textContent);
  var cols = JSON.parse(document.getElementById('url-columns').textContent);
  var numeric = { status: true, depth: true, inlinks: true, response_ms: true };
  var pageSize = 100;
  var rows = data.map(function (r) {
    return { r: r, h: r.join('\u0001').toLowerCase() };
  });
  var view = rows, page = 0, sortCol = -1, sortDir = 1;
  var table = document.getElementById('url-table');
  var tbody = table.tBodies[0];
  var filter = document.getElementById('filter');
  var kind = document.getElementById('kind');
  var rowInfo = document.getElementById('row-info');
  var pageInfo = document.getElementById('page-info');

  function cmp(a, b) {
    var x = a.r[sortCol], y = b.r[sortCol];
    if (x < y) return -sortDir;
    if (x > y) return sortDir;
    return 0;
  }

  function apply() {
    var q = filter.value.trim().toLowerCase();
    var k = kind.value;
    view = rows.filter(function (o) {
      return (!k || o.r[2] === k) && (!q || o.h.indexOf(q) >= 0);
    });
    if (sortCol >= 0) view.sort(cmp);
    page = 0;
    render();
  }

  function cell(tr, value, col) {
    var td = document.createElement('td');
    var name = cols[col];
    if (numeric[name]) td.className = 'num';
    if (name === 'url') td.className = 'url';
    if (name === 'title' || name === 'www_authenticate') td.className = 'txt';
    if (name !== 'url') td.setAttribute('data-label', name); // shown on narrow screens
    var s = String(value);
    if (name === 'url' && /^https?:\/\//i.test(s)) {
      var a = document.createElement('a');
      a.href = s;
      a.rel = 'noreferrer nofollow';
      a.textContent = s;
      td.appendChild(a);
    } else {
      td.textContent = s;
    }
    tr.appendChild(td);
  }

  function render() {
    var pages = Math.max(1, Math.ceil(view.length / pageSize));
    if (page >= pages) page = pages - 1;
    if (page < 0) page = 0;
    var start = page * pageSize, end = Math.min(view.length, start + pageSize);
    var frag = document.createDocumentFragment();
    for (var i = start; i < end; i++) {
      var tr = document.createElement('tr');
      var r = view[i].r;
      for (var c = 0; c < r.length; c++) cell(tr, r[c], c);
      frag.appendChild(tr);
    }
    tbody.textContent = '';
    tbody.appendChild(frag);
    rowInfo.textContent = view.length + (view.length === 1 ? ' URL' : ' URLs') +
      (view.length === rows.length ? '' : ' of ' + rows.length);
    rowInfo.setAttribute('data-count', String(view.length));
    pageInfo.textContent = view.length ? 'rows ' + (start + 1) + '–' + end + ' of ' + view.length + ', page ' + (page + 1) + ' of ' + pages : 'no rows';
    document.getElementById('first').disabled = document.getElementById('prev').disabled = page === 0;
    document.getElementById('last').disabled = document.getElementById('next').disabled = page >= pages - 1;
  }

  var ths = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(ths, function (th, i) {
    th.querySelector('button').addEventListener('click', function () {
      sortDir = sortCol === i ? -sortDir : (numeric[cols[i]] ? -1 : 1);
      sortCol = i;
      Array.prototype.forEach.call(ths, function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', sortDir > 0 ? 'ascending' : 'descending');
      view.sort(cmp);
      page = 0;
      render();
    });
  });
  var timer;
  filter.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(apply, rows.length > 20000 ? 200 : 0);
  });
  kind.addEventListener('change', apply);
  document.getElementById('first').addEventListener('click', function () { page = 0; render(); });
  document.getElementById('prev').addEventListener('click', function () { page--; render(); });
  document.getElementById('next').addEventListener('click', function () { page++; render(); });
  document.getElementById('last').addEventListener('click', function () { page = Infinity; render(); });
  render();
})();
