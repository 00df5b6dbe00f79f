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
      label.textContent = p.name;
      label.title = p.description;
      const input = document.createElement("input");
      input.name = p.name;
      input.dataset.type = p.type;
      input.placeholder = p.type === "iri" ? "kg:ra/name/fn/luo-yang" : p.name === "pmid" ? "24649313" : p.name;
      label.htmlFor = input.id = "param-" + p.name;
      params.append(label, input);
    }
  });

  // The IRI that <...>, an http(s) IRI or a prefixed name is, else null (kg.query.expand_iri).
  function expandIri(v) {
    if (/^<.*>$/.test(v)) return v.slice(1, -1);
    if (/^https?:\/\/\S+$/.test(v)) return v;
    const m = /^([^:]*):(?!\/\/)(.*)$/.exec(v);
    return m && prefixes[m[1]] !== undefined ? prefixes[m[1]] + m[2] : null;
  }

  const XSD = "http://www.w3.org/2001/XMLSchema#";
  // A parameter as a SPARQL term, by its declared type, checked as kg query --param checks it.
  function term(name, type, value) {
    const v = value.trim();
    if (!v) throw new Error("give a value for " + name);
    if (type === "iri") {
      const iri = expandIri(v);
      if (iri === null) throw new Error(name + ": " + JSON.stringify(v) + " is not an IRI (use <...>, http(s)://... or prefix:name)");
      return "<" + iri + ">";
    }
    if (type === "integer") {
      if (!/^-?\d+$/.test(v)) throw new Error(name + ": " + JSON.stringify(v) + " is not an integer");
      return JSON.stringify(v) + "^^<" + XSD + "integer>";
    }
    if (type === "year") {
      if (!/^\d{4}$/.test(v)) throw new Error(name + ": " + JSON.stringify(v) + " is not a year");
      return JSON.stringify(v) + "^^<" + XSD + "gYear>";
    }
    return JSON.stringify(v);
  }

  // The query text with the parameters bound in a VALUES block at the start of WHERE; an
  // empty or ill-typed parameter throws (a named query never runs with one unbound).
  function queryText() {
    const inputs = Array.from(params.querySelectorAll("input"));
    let text = editor.value;
    if (inputs.length) {
      const block = " VALUES (" + inputs.map((i) => "?" + i.name).join(" ") + ") { (" +
        inputs.map((i) => term(i.name, i.dataset.type, i.value)).join(" ") + ") }";
      text = text.replace(/\bWHERE\s*\{/i, (m) => m + block);
    }
    return text;
  }

  // Where a result IRI links to: this server under the base, else http(s) IRIs only (never
  // javascript: or data:); null means "show as text".
  function href(iri) {
    if (iri.startsWith(base)) return root + "/" + iri.slice(base.length);
    return /^https?:/i.test(iri) ? iri : null;
  }
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
    const to = binding.type === "uri" ? href(binding.value) : null;
    if (to !== null) {
      const a = document.createElement("a");
      a.href = to;
      a.textContent = short(binding.value);
      td.append(a);
    } else {
      td.textContent = binding.type === "uri" ? short(binding.value) : binding.value;
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

  function fail(error) {
    status.classList.add("error");
    status.textContent = error.message;
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
      fail(error);
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

  // Without JavaScript the form is sent to /sparql as a plain GET; with it, results show in the page.
  $("editor").addEventListener("submit", (e) => { e.preventDefault(); run(); });
  editor.addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run(); });
  for (const button of document.querySelectorAll("button.download")) {
    button.addEventListener("click", () => {
      try {
        const url = root + "/sparql?" + new URLSearchParams({ query: queryText(), format: button.dataset.format,
                                                       download: $("named").value || "results" });
        window.location.href = url;
      } catch (error) {
        fail(error);
      }
    });
  }
})();
