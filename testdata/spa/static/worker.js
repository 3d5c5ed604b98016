// A dedicated worker's requests are the page's requests too.
fetch("/api/public?from=worker");
fetch("/private/worker.json");
