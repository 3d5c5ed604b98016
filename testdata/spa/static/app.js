// The app: everything a visitor sees is added here.
(async function () {
  "use strict";
  const root = document.getElementById("root");
  document.title = "Catalogue";

  const canonical = document.createElement("link");
  canonical.rel = "canonical";
  canonical.href = "/catalogue";
  document.head.appendChild(canonical);

  const logo = new Image();
  logo.src = "/static/logo.svg";
  logo.alt = "Shop";
  root.appendChild(logo);

  // A code-split chunk the CDN refuses (403).
  const chunk = document.createElement("script");
  chunk.src = "/static/chunk-1.js";
  document.body.appendChild(chunk);

  new FontFace("Brand", "url(/static/brand.woff2)").load().catch(function () {});

  const xhr = new XMLHttpRequest();
  xhr.open("GET", "/api/public?via=xhr");
  xhr.send();

  const config = await (await fetch("/api/config")).json();
  const [pub, account] = await Promise.all([fetch("/api/public"), fetch("/api/account")]);
  if (!account.ok) {
    console.error("account API answered " + account.status);
  }
  const data = await pub.json();

  const h1 = document.createElement("h1");
  h1.textContent = "Catalogue";
  root.appendChild(h1);
  const list = document.createElement("ul");
  for (const item of data.items) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = item.href;
    a.textContent = item.name;
    li.appendChild(a);
    list.appendChild(li);
  }
  root.appendChild(list);

  // Links a crawler must not follow, and a repeat.
  for (const href of ["javascript:void(0)", "mailto:shop@example.com", "data:text/html,hi", "file:///etc/passwd", "/products/1", "#top"]) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = "other";
    root.appendChild(a);
  }

  // Another origin: directly, and through a redirect from this origin.
  await fetch(config.other + "/data", { mode: "no-cors" }).catch(function () {});
  await fetch("/api/redirect-out", { mode: "no-cors" }).catch(function () {});
  // The other origin's API answers 401 without CORS headers: the page sees
  // only a network error, the renderer still sees the 401.
  await fetch(config.other + "/api/me").catch(function () {});
})();
