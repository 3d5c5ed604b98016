// Reads the rendered page. Runs in an isolated world (the page's scripts
// cannot replace the DOM functions it calls) as one expression: a function
// called with the limits, returning a JSON-able object. Everything is cut
// to the limits here, before it crosses the DevTools connection.
(function (maxChars, maxLinks, maxURL, maxText, agent) {
  "use strict";
  const clip = (s, n) => (typeof s === "string" ? (s.length > n ? s.slice(0, n) : s) : "");
  const d = document;
  const root = d.documentElement;
  let html = root ? root.outerHTML : "";
  const cut = html.length > maxChars;
  if (cut) html = html.slice(0, maxChars);

  let canonical = "";
  for (const l of d.querySelectorAll("link[rel][href]")) {
    const rel = (l.getAttribute("rel") || "").toLowerCase().split(/\s+/);
    if (rel.includes("canonical")) {
      canonical = clip(l.href, maxURL);
      break;
    }
  }

  const names = ["robots", "googlebot"];
  if (agent) names.push(agent);
  const robots = [];
  for (const m of d.querySelectorAll("meta[name][content]")) {
    const n = (m.getAttribute("name") || "").trim().toLowerCase();
    if (names.includes(n)) robots.push(clip((m.getAttribute("content") || "").trim(), maxText));
  }

  const links = [];
  const seen = new Set();
  for (const a of d.querySelectorAll("a[href]")) {
    if (links.length >= maxLinks) break;
    const href = a.href; // resolved against the document's base URL
    if (typeof href !== "string" || href.length > maxURL) continue;
    if (!/^https?:\/\//i.test(href) || seen.has(href)) continue;
    seen.add(href);
    links.push(href);
  }

  const body = d.body;
  const text = body ? body.innerText || "" : "";
  return {
    url: clip(location.href, maxURL),
    html: html,
    cut: cut,
    title: clip(d.title, maxText),
    canonical: canonical,
    robots: clip(robots.join(", "), maxText),
    links: links,
    textLength: text.trim().length,
  };
})
