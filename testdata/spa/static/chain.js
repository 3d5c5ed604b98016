// The chain pages of the resume test (render_resume_test.go): /chain/N is
// an empty shell this script fills from /api/chain/N; the link to the next
// page exists only in the rendered DOM, so each page is found by rendering
// the one before. Even pages also call /api/account (401).
(async function () {
  "use strict";
  const n = location.pathname.split("/").pop();
  const page = await (await fetch("/api/chain/" + n)).json();
  if (page.account) {
    await fetch("/api/account").catch(function () {});
  }
  document.title = page.title;
  const root = document.getElementById("root");
  const h1 = document.createElement("h1");
  h1.textContent = page.title;
  root.appendChild(h1);
  const p = document.createElement("p");
  p.textContent = page.text;
  root.appendChild(p);
  if (page.next) {
    const a = document.createElement("a");
    a.href = page.next;
    a.textContent = "Next page";
    root.appendChild(a);
  }
})();
