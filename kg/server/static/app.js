// The query page: pick a named query, fill its parameters, run it, show the table.
(function () {
  "use strict";
  const named = JSON.parse(document.getElementById("named-queries").textContent);
  const prefixes = JSON.parse(document.getElementById("prefixes").textContent);
  const base = prefixes.kg;
  const root = document.currentScript.dataset.root;  // the path the server is published under
  const $ = (id) => document.getElementById(id);
  const editor = $("query"), status = $("status"), results = $("results"), params = $("params");

  function byName(name) { return named.find((q) => q.name === name); }

  $("named").addEventListener("change", (event) => {
    const q = byName(event.target.value);
    params.replaceChildren();
    $("description").textContent = q ? q.description : "";
    if (!q) return;
    editor.value = q.sparql;
    showDownloads();
    for (const p of q.params) {
      const label = document.createElement("label");
      label.textContent = p;
      const input = document.createElement("input");
      input.name = p;
      input.placeholder = p === "person" ? "kg:ra/name/fn/luo-yang" : p === "pmid" ? "24649313" : p;
      label.htmlFor = input.id = "param-" + p;
      params.append(label, input);
    }
  });

  // A parameter as a SPARQL term: an IRI (<...>, http..., prefix:name) or a string.
  function term(value) {
    const v = value.trim();
    if (/^<.*>$/.test(v)) return v;
    if (/^https?:\/\/\S+$/.test(v)) return "<" + v + ">";
    const m = /^([A-Za-z][\w-]*):(?!\/\/)(\S*)$/.exec(v);
    if (m && prefixes[m[1]] !== undefined) return "<" + prefixes[m[1]] + m[2] + ">";
    return JSON.stringify(v);
  }

  // The query text with the parameters bound in a VALUES block at the start of WHERE.
  function queryText() {
    const inputs = Array.from(params.querySelectorAll("input")).filter((i) => i.value.trim());
    let text = editor.value;
    if (inputs.length) {
      const block = " VALUES (" + inputs.map((i) => "?" + i.name).join(" ") + ") { (" +
        inputs.map((i) => term(i.value)).join(" ") + ") }";
      text = text.replace(/\bWHERE\s*\{/i, (m) => m + block);
    }
    return text;
  }

  function href(iri) { return iri.startsWith(base) ? root + "/" + iri.slice(base.length) : iri; }
  function short(iri) {
    let best = "", name = "";
    for (const [p, ns] of Object.entries(prefixes)) {
      if (iri.startsWith(ns) && ns.length > best.length) { best = ns; name = p; }
    }
    return best ? name + ":" + iri.slice(best.length) : iri;
  }

  function cell(binding) {
    const td = document.createElement("td");
    if (!binding) return td;
    if (binding.type === "uri") {
      const a = document.createElement("a");
      a.href = href(binding.value);
      a.textContent = short(binding.value);
      td.append(a);
    } else {
      td.textContent = binding.value;
    }
    return td;
  }

  function showTable(data) {
    const table = document.createElement("table");
    table.id = "results-table";
    const head = table.createTHead().insertRow();
    for (const v of data.head.vars) {
      const th = document.createElement("th");
      th.textContent = v;
      head.append(th);
    }
    const body = table.createTBody();
    for (const row of data.results.bindings) {
      const tr = body.insertRow();
      for (const v of data.head.vars) tr.append(cell(row[v]));
    }
    results.replaceChildren(table);
    return data.results.bindings.length;
  }

  async function run() {
    status.classList.remove("error");
    status.textContent = "Running…";
    const started = performance.now();
    try {
      const response = await fetch(root + "/sparql", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded",
                   "Accept": "application/sparql-results+json, text/turtle;q=0.9" },
        body: new URLSearchParams({ query: queryText() }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(text);
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      const type = response.headers.get("Content-Type") || "";
      if (type.includes("json")) {
        const data = JSON.parse(text);
        if (data.boolean !== undefined) {
          results.replaceChildren(document.createTextNode(String(data.boolean)));
          status.textContent = "Answer in " + seconds + " s";
        } else {
          status.textContent = showTable(data) + " rows in " + seconds + " s";
        }
      } else {
        const pre = document.createElement("pre");
        pre.className = "graph";
        pre.textContent = text;
        results.replaceChildren(pre);
        status.textContent = "Graph in " + seconds + " s";
      }
    } catch (error) {
      status.classList.add("error");
      status.textContent = error.message;
    }
  }

  // Offer the downloads the query's result can take: a table (SELECT, ASK) or a graph.
  function showDownloads() {
    const body = editor.value.replace(/\b(?:PREFIX\s+[\w-]*:|BASE)\s*<[^>]*>/gi, "").replace(/#[^\n]*/g, "");
    const graph = /^\s*(CONSTRUCT|DESCRIBE)\b/i.test(body);
    for (const button of document.querySelectorAll("button.download")) {
      button.hidden = button.classList.contains("graph") !== graph;
    }
  }
  showDownloads();
  editor.addEventListener("input", showDownloads);

  $("run").addEventListener("click", run);
  editor.addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run(); });
  for (const button of document.querySelectorAll("button.download")) {
    button.addEventListener("click", () => {
      const url = root + "/sparql?" + new URLSearchParams({ query: queryText(), format: button.dataset.format,
                                                     download: $("named").value || "results" });
      window.location.href = url;
    });
  }
})();
