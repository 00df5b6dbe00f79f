"""The knowledge graph on disk: an Oxigraph store plus its index, opened safely.

A store is a directory (default ``./kg-store``, or ``KG_STORE``)::

    kg-store/oxigraph/      the RDF quads (RocksDB, readable by `oxigraph serve`)
    kg-store/index.sqlite   base IRI, records held, reference counts of shared triples
    kg-store/lock           taken by every process using the store

Writers take the lock exclusively and readers share it, so a second writer, or
a writer while the store is being read, gets a clear "store is in use" error
instead of a RocksDB one. Every query evaluates over the union of all graphs.

>>> import tempfile
>>> with KnowledgeGraph.open(tempfile.mkdtemp() + "/s", writable=True) as kg:
...     report = kg.ingest(["tests/data/seed"])
...     rows = kg.select("SELECT ?t WHERE { ?a fabio:hasPubMedId '24649313' ; dcterms:title ?t }")
>>> report.added, rows[0]["t"][:28]
(1, 'Sorafenib in metastatic radi')
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from kg.index import Index
from kg.mapping.iris import Iris, check_base_iri
from kg.mapping.vocab import DEFAULT_BASE_IRI, prefixes
from kg.query import bind_params, expand_iri, has_dataset

__all__ = ["DEFAULT_STORE", "KnowledgeGraph", "StoreError", "default_store_path"]

DEFAULT_STORE = "kg-store"


class StoreError(Exception):
    """A problem with the store that the user can act on (the message says how)."""


def default_store_path() -> str:
    """``KG_STORE`` if set, else ``./kg-store``."""
    return os.environ.get("KG_STORE") or DEFAULT_STORE


def _lock(path: Path, exclusive: bool) -> int:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        if exclusive or not path.exists():
            raise StoreError(f"cannot write to the store {path.parent}: {exc.strerror}") from None
        fd = os.open(path, os.O_RDONLY)  # a store on read-only media (or someone else's) can still be read
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        doing = "written to or read" if exclusive else "written to"
        raise StoreError(
            f"store {path.parent} is in use by another process (it is being {doing}); "
            "wait for it to finish or use another --store"
        ) from None
    return fd


class KnowledgeGraph:
    """An open store. Use :meth:`open`; close it (or use ``with``) to release the lock."""

    def __init__(self, path: Path, store: ox.Store, index: Index, base_iri: str, lock_fd: int, writable: bool):
        self.path = path
        self._store: ox.Store | None = store
        self.index = index
        self.base_iri = base_iri
        self.iris = Iris(base_iri)
        self.writable = writable
        self._lock_fd: int | None = lock_fd

    @property
    def store(self) -> ox.Store:
        """The Oxigraph store (StoreError once closed)."""
        if self._store is None:
            raise StoreError(f"store {self.path} is closed")
        return self._store

    # ------------------------------------------------------------ opening and closing
    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, base_iri: str | None = None,
             writable: bool = False, create: bool = True) -> KnowledgeGraph:
        """Open the store at ``path`` (default :func:`default_store_path`).

        A writable open creates the store if needed (unless ``create`` is false) and
        remembers ``base_iri`` (default ``https://example.org/kg/``); a store made with
        another base IRI is refused. A read-only open needs an existing store. Either
        way, a batch that an interrupted ingest left half-written is removed first.
        """
        root = Path(path if path is not None else default_store_path())
        if base_iri is not None:
            try:
                check_base_iri(base_iri)
            except ValueError as exc:
                raise StoreError(str(exc)) from None
        if not (writable and create) and not (root / "index.sqlite").exists():
            raise StoreError(f"no knowledge graph at {root}: build one with `kg ingest FILE... --store {root}`")
        if writable:
            try:
                root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the store {root}: {exc.strerror}") from None
        lock_fd = _lock(root / "lock", exclusive=writable)
        try:
            if not writable and cls._needs_repair(root):
                os.close(lock_fd)
                cls.open(root, writable=True).close()  # repair, then reopen for reading
                lock_fd = _lock(root / "lock", exclusive=False)
            index = Index(root / "index.sqlite", read_only=not writable)
            stored_base = index.get_meta("base_iri")
            if stored_base and base_iri and base_iri != stored_base:
                index.close()
                raise StoreError(
                    f"store {root} was built with base IRI {stored_base}, not {base_iri}: "
                    "use the same --base-iri, or another --store"
                )
            base = stored_base or base_iri or DEFAULT_BASE_IRI
            if writable and not stored_base:
                index.set_meta("base_iri", base)
            oxi_path = str(root / "oxigraph")
            try:
                store = ox.Store(oxi_path) if writable else ox.Store.read_only(oxi_path)
            except OSError as exc:
                index.close()
                raise StoreError(f"cannot open the RDF store in {root}: {exc}") from None
        except BaseException:
            os.close(lock_fd)
            raise
        kg = cls(root, store, index, base, lock_fd, writable)
        if writable:
            kg._repair()
        return kg

    @staticmethod
    def _needs_repair(root: Path) -> bool:
        index = Index(root / "index.sqlite", read_only=True)
        try:
            return bool(index.pending())
        finally:
            index.close()

    def _repair(self) -> None:
        """Remove the records of a batch an interrupted ingest left half-written."""
        from kg.ingest import forget_records

        pending = self.index.pending()
        if pending:
            forget_records(self, pending)
            self.index.end_batch()

    def close(self) -> None:
        if self._lock_fd is None:
            return
        if self.writable:
            self.store.flush()
        self.index.close()
        self._store = None  # Oxigraph releases the database when its last reference goes
        os.close(self._lock_fd)
        self._lock_fd = None

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ querying
    @property
    def prefixes(self) -> dict[str, str]:
        """The MAPPING prefixes, with ``kg:`` bound to this store's base IRI."""
        return prefixes(self.base_iri)

    def query(self, sparql: str, *, params: Mapping[str, Any] | None = None) -> Any:
        """Run SPARQL over the union of all graphs (or the dataset its ``FROM`` clauses name);
        the MAPPING prefixes are predeclared.

        ``params`` binds variables, one value each: ``{"pmid": "24649313"}``. A string is
        read as the query's ``# param:`` header declares it (``kg:ra/...`` is an IRI for an
        ``iri`` parameter, as with ``kg query --param``), else as a literal; see
        :func:`kg.query.bind_params` for the other types. Returns pyoxigraph's
        QuerySolutions, QueryBoolean or QueryTriples; SyntaxError for SPARQL that does not parse.
        """
        if params:
            sparql = bind_params(sparql, params, self.prefixes)
        return self.store.query(sparql, use_default_graph_as_union=not has_dataset(sparql), prefixes=self.prefixes)

    def select(self, sparql: str, *, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """A SELECT query's rows as dicts of plain Python values (IRIs and literals as str,
        numbers as int/float, booleans as bool); unbound variables are left out."""
        solutions = self.query(sparql, params=params)
        if not isinstance(solutions, ox.QuerySolutions):
            raise TypeError("select() runs SELECT queries: use query() for ASK, CONSTRUCT and DESCRIBE")
        names = [v.value for v in solutions.variables]
        return [
            {n: to_python(t) for n, t in zip(names, row) if t is not None}
            for row in solutions
        ]

    # ------------------------------------------------------------ writing, export, stats
    def ingest(self, sources: Iterable[Any] | str | os.PathLike[str], *, format: str = "auto",
               progress: Callable[..., None] | None = None, **options: Any) -> Any:
        """Load files/directories ("-" for stdin) or Record/Deletion objects; see :func:`kg.ingest.ingest`."""
        from kg.ingest import ingest

        self._require_writable()
        return ingest(self, sources, format=format, progress=progress, **options)

    def export(self, output: str | os.PathLike[str] | IO[bytes], *, format: str | None = None,
               graph: str | None = None, progress: Callable[[int], None] | None = None) -> None:
        """Write the dataset (or one graph: see :meth:`graph_iri`) to a file or binary stream,
        calling ``progress`` now and then with the quads written so far; see :mod:`kg.export`."""
        from kg.export import export

        export(self, output, format=format, graph=graph, progress=progress)

    def stats(self) -> dict[str, Any]:
        """Counts of records, quads, entities, classes and properties; see :mod:`kg.stats`."""
        from kg.stats import stats

        return stats(self)

    def to_rdflib(self, graph: str | None = None) -> Any:
        """An rdflib Dataset holding the store's quads (or one named graph's: see :meth:`graph_iri`)."""
        import rdflib

        ds = rdflib.Dataset()
        ds.parse(data=self._dump_nquads(graph), format="nquads")
        return ds

    def graph_iri(self, spec: str) -> str:
        """The named graph ``spec`` names: a record's PMID, a prefixed name such as
        ``kg:graph/entities``, ``<IRI>`` or an IRI; ValueError for anything else.

        >>> import tempfile
        >>> with KnowledgeGraph.open(tempfile.mkdtemp() + "/s", writable=True) as kg:
        ...     kg.graph_iri("24649313"), kg.graph_iri("kg:graph/entities")
        ('https://example.org/kg/graph/pmid/24649313', 'https://example.org/kg/graph/entities')
        """
        text = spec.strip()
        iri = self.iris.graph(text) if text.isdigit() else (expand_iri(text, self.prefixes) or text)
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise ValueError(f"{spec!r} is neither a PMID nor a graph IRI") from None
        return iri

    def named_graph(self, spec: str) -> ox.NamedNode:
        """The named graph ``spec`` names (see :meth:`graph_iri`); ValueError unless the store holds it."""
        node = ox.NamedNode(self.graph_iri(spec))
        if not self.store.contains_named_graph(node):
            raise ValueError(f"the store holds no graph <{node.value}>")
        return node

    def _dump_nquads(self, graph: str | None) -> bytes:
        if graph is None:
            return self.store.dump(format=ox.RdfFormat.N_QUADS)
        quads = self.store.quads_for_pattern(None, None, None, self.named_graph(graph))
        return ox.serialize(quads, format=ox.RdfFormat.N_QUADS)

    def _require_writable(self) -> None:
        if not self.writable:
            raise StoreError("the store was opened read-only")


_NUMERIC = {
    "http://www.w3.org/2001/XMLSchema#integer",
    "http://www.w3.org/2001/XMLSchema#int",
    "http://www.w3.org/2001/XMLSchema#long",
    "http://www.w3.org/2001/XMLSchema#nonNegativeInteger",
}


def to_python(term: Any) -> Any:
    """An RDF term as a plain Python value: str for IRIs and most literals, int, float, bool."""
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        if dt in _NUMERIC:
            return int(term.value)
        if dt in ("http://www.w3.org/2001/XMLSchema#decimal", "http://www.w3.org/2001/XMLSchema#double"):
            return float(term.value)
        if dt == "http://www.w3.org/2001/XMLSchema#boolean":
            return term.value == "true"
        return term.value
    return term.value
