"""The knowledge graph on disk: an Oxigraph store plus its index, opened safely.

A store is a directory (default ``./kg-store``, or ``KG_STORE``)::

    kg-store/oxigraph/      the RDF quads (RocksDB, readable by `oxigraph serve`)
    kg-store/index.sqlite   base IRI, records held, reference counts of shared triples
    kg-store/lock           taken by every process using the store

Writers take the lock exclusively and readers share it, so a second writer, or
a writer while the store is being read, gets a clear "store is in use" error
instead of a RocksDB one. Every query evaluates over the union of all graphs.

>>> import tempfile
>>> from kg.resources import shipped
>>> with KnowledgeGraph.open(tempfile.mkdtemp() + "/s", writable=True) as kg:
...     report = kg.ingest(shipped("examples") / "seed-24649313.txt")  # the bundled example record
...     rows = kg.select("SELECT ?t WHERE { ?a fabio:hasPubMedId '24649313' ; dcterms:title ?t }")
>>> report.added, rows[0]["t"][:28]
(1, 'Sorafenib in metastatic radi')
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.index import Index
from kg.mapping.iris import Iris, check_base_iri
from kg.mapping.vocab import DEFAULT_BASE_IRI, prefixes
from kg.query import bind_params, expand_iri, has_dataset, parser_message

if TYPE_CHECKING:
    import rdflib

    from kg.ingest import IngestReport

__all__ = ["DEFAULT_STORE", "GraphSpec", "KnowledgeGraph", "StoreError", "default_store_path"]

DEFAULT_STORE = "kg-store"

#: What names a graph: a record's PMID (str or int), a prefixed name, an IRI or a NamedNode.
GraphSpec = str | int | ox.NamedNode


class StoreError(Exception):
    """A problem with the store that the user can act on (the message says how)."""


def default_store_path() -> str:
    """``KG_STORE`` if set, else ``./kg-store``."""
    return os.environ.get("KG_STORE") or DEFAULT_STORE


#: The stores this process holds a lock on (by resolved path), with how many locks: a lock
#: refused because this process holds it is worded as such, not blamed on another process.
_held: dict[Path, int] = {}
os.register_at_fork(after_in_child=_held.clear)  # a child process opened none of them


def _damaged(root: Path, what: str) -> StoreError:
    return StoreError(f"the store {root} is damaged: {what}; rebuild it from the source files "
                      f"into a new store (kg ingest FILE... --store NEW_STORE)")


@contextmanager
def _reading_index(root: Path) -> Iterator[None]:
    """Turn SQLite's errors on a store's index into the StoreError of a damaged store."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        raise _damaged(root, f"its index (index.sqlite) cannot be read ({exc})") from None


def _lock(root: Path, key: Path, exclusive: bool) -> int:
    """Lock the store at ``root`` (resolved: ``key``) for this process, shared for reading;
    StoreError if it is in use."""
    path = root / "lock"
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
        if _held.get(key):
            raise StoreError(
                f"this process already has the store {root} open: close it first (kg.close() or a with block)"
            ) from None
        doing = "written to or read" if exclusive else "written to"
        raise StoreError(
            f"store {root} is in use by another process (it is being {doing}); "
            "wait for it to finish or use another --store"
        ) from None
    _held[key] = _held.get(key, 0) + 1
    return fd


def _unlock(key: Path, fd: int) -> None:
    """Release a lock :func:`_lock` took."""
    os.close(fd)
    left = _held.pop(key, 1) - 1  # (absent in a forked child, whose registry starts empty)
    if left:
        _held[key] = left


class _Resources:
    """What an open store holds, released by :meth:`release` at close or when its KnowledgeGraph
    is garbage-collected (weakref.finalize calls it, so it must not refer to the KnowledgeGraph)."""

    def __init__(self, key: Path, store: ox.Store, index: Index, lock_fd: int) -> None:
        self.key = key
        self.store: ox.Store | None = store
        self.index = index
        self.lock_fd = lock_fd

    def release(self) -> None:
        # The lock goes last: whoever takes it next must find the database free.
        self.store = None  # Oxigraph releases the database when its last reference goes
        self.index.close()
        _unlock(self.key, self.lock_fd)


class KnowledgeGraph:
    """An open store. Use :meth:`open`; close it (or use ``with``) to release the lock, which
    is also released when the KnowledgeGraph is garbage-collected."""

    def __init__(self, path: Path, key: Path, store: ox.Store, index: Index, base_iri: str, lock_fd: int,
                 writable: bool):
        """Hold an opened store (``key``, its resolved path, locked by ``lock_fd``); :meth:`open` makes one."""
        self.path = path
        self.index = index
        self.base_iri = base_iri
        self.iris = Iris(base_iri)
        self.writable = writable
        self._resources = _Resources(key, store, index, lock_fd)
        self._release = weakref.finalize(self, self._resources.release)

    def __repr__(self) -> str:
        return (f"<KnowledgeGraph {str(self.path)!r} ({'writable' if self.writable else 'read-only'}, "
                f"{'open' if self._release.alive else 'closed'})>")

    @property
    def store(self) -> ox.Store:
        """The Oxigraph store (StoreError once closed)."""
        store = self._resources.store
        if store is None:
            raise StoreError(f"store {self.path} is closed")
        return store

    # ------------------------------------------------------------ opening and closing
    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, base_iri: str | None = None,
             writable: bool = False, create: bool = True) -> KnowledgeGraph:
        """Open the store at ``path`` (default :func:`default_store_path`).

        A writable open creates the store if needed (unless ``create`` is false) and
        remembers ``base_iri`` (default ``https://example.org/kg/``); a store made with
        another base IRI is refused. A read-only open needs an existing store. Either
        way, a batch that an interrupted ingest left half-written is removed first. A
        damaged store (its index unreadable, its RDF data missing or corrupt) is refused.
        """
        root = Path(path if path is not None else default_store_path())
        if base_iri is not None:
            try:
                check_base_iri(base_iri)
            except ValueError as exc:
                raise StoreError(str(exc)) from None
        indexed = (root / "index.sqlite").exists()
        if not indexed and (root / "oxigraph").is_dir() and any((root / "oxigraph").iterdir()):
            # Quads without the bookkeeping of which record states them: never adopted as a new store.
            raise _damaged(root, "its index (index.sqlite) is missing")
        if not (writable and create) and not indexed:
            raise StoreError(f"no knowledge graph at {root}: build one with `kg ingest FILE... --store {root}`")
        if writable:
            try:
                root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the store {root}: {exc.strerror}") from None
        key = root.resolve()  # once: a later os.chdir must not change which store it names
        lock_fd = _lock(root, key, exclusive=writable)
        try:
            repair = not writable and cls._needs_repair(root)
        except BaseException:
            _unlock(key, lock_fd)
            raise
        if repair:
            _unlock(key, lock_fd)
            cls.open(root, writable=True).close()  # repair, then reopen for reading
            lock_fd = _lock(root, key, exclusive=False)
        try:
            with _reading_index(root):
                index = Index(root / "index.sqlite", read_only=not writable)
            try:
                base = cls._base_iri(root, index, base_iri, writable)
                store = cls._open_rdf(root, index, writable)
            except BaseException:
                index.close()
                raise
        except BaseException:
            _unlock(key, lock_fd)
            raise
        kg = cls(root, key, store, index, base, lock_fd, writable)
        if writable:
            kg._repair()
        return kg

    @staticmethod
    def _base_iri(root: Path, index: Index, base_iri: str | None, writable: bool) -> str:
        """The base IRI the store was built with, else ``base_iri`` (remembered by a writable open)."""
        with _reading_index(root):
            stored_base = index.get_meta("base_iri")
            if stored_base and base_iri and base_iri != stored_base:
                raise StoreError(
                    f"store {root} was built with base IRI {stored_base}, not {base_iri}: "
                    "use the same --base-iri, or another --store"
                )
            base = stored_base or base_iri or DEFAULT_BASE_IRI
            if writable and not stored_base:
                index.set_meta("base_iri", base)
        return base

    @staticmethod
    def _open_rdf(root: Path, index: Index, writable: bool) -> ox.Store:
        """The store's Oxigraph database; a writable open makes it for a new store, one whose
        index holds no records yet. StoreError if it is missing, damaged or cannot be opened."""
        oxi_path = root / "oxigraph"
        # RocksDB names its live files in CURRENT: without it there is no database, and a
        # writable open would silently make an empty one beside an index listing the records.
        if not (oxi_path / "CURRENT").is_file():
            with _reading_index(root):
                holds_records = index.record_count() > 0
            if holds_records or not writable:
                raise _damaged(root, "its RDF data (oxigraph/) is missing")
        try:
            return ox.Store(str(oxi_path)) if writable else ox.Store.read_only(str(oxi_path))
        except RuntimeError:  # RocksDB's "Corruption: ..."
            raise _damaged(root, "its RDF data (oxigraph/) cannot be read") from None
        except OSError as exc:
            reason = str(exc).rsplit(": ", 1)[-1]  # RocksDB's text ends with the system's reason
            raise StoreError(f"cannot open the RDF store {oxi_path}: {reason}") from None

    @staticmethod
    def _needs_repair(root: Path) -> bool:
        with _reading_index(root):
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
        """Write out and release the store, its index and its lock; closing again does nothing."""
        if not self._release.alive:
            return
        if self.writable:
            self.store.flush()
        self._release()

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ querying
    @property
    def prefixes(self) -> dict[str, str]:
        """The MAPPING prefixes, with ``kg:`` bound to this store's base IRI."""
        return prefixes(self.base_iri)

    def query(self, sparql: str, *, params: Mapping[str, Any] | None = None
              ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
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
        try:
            return self.store.query(sparql, use_default_graph_as_union=not has_dataset(sparql), prefixes=self.prefixes)
        except SyntaxError as exc:
            raise SyntaxError(parser_message(str(exc))) from None

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
               progress: Callable[..., None] | None = None, **options: Any) -> IngestReport:
        """Load files/directories ("-" for stdin) or Record/Deletion objects; see :func:`kg.ingest.ingest`."""
        from kg.ingest import ingest

        self._require_writable()
        return ingest(self, sources, format=format, progress=progress, **options)

    def export(self, output: str | os.PathLike[str] | IO[bytes], *, format: str | None = None,
               graph: GraphSpec | None = None, progress: Callable[[int], None] | None = None) -> None:
        """Write the dataset (or one graph: see :meth:`graph_iri`) to a file or binary stream,
        calling ``progress`` now and then with the quads written so far; see :mod:`kg.export`."""
        from kg.export import export

        export(self, output, format=format, graph=graph, progress=progress)

    def stats(self) -> dict[str, Any]:
        """Counts of records, quads, entities, classes and properties; see :mod:`kg.stats`."""
        from kg.stats import stats

        return stats(self)

    def to_rdflib(self, graph: GraphSpec | None = None) -> rdflib.Dataset:
        """An rdflib Dataset holding the store's quads (or one named graph's: see :meth:`graph_iri`)."""
        import rdflib

        ds = rdflib.Dataset()
        ds.parse(data=self._dump_nquads(graph), format="nquads")
        return ds

    def graph_iri(self, spec: GraphSpec) -> str:
        """The named graph ``spec`` names: a record's PMID (str or int), a prefixed name such as
        ``kg:graph/entities``, ``<IRI>``, an IRI or a NamedNode; ValueError for another string,
        TypeError for another type.

        >>> import tempfile
        >>> with KnowledgeGraph.open(tempfile.mkdtemp() + "/s", writable=True) as kg:
        ...     kg.graph_iri("24649313"), kg.graph_iri("kg:graph/entities")
        ('https://example.org/kg/graph/pmid/24649313', 'https://example.org/kg/graph/entities')
        >>> kg.graph_iri(24649313), kg.graph_iri(ox.NamedNode("https://example.org/g"))
        ('https://example.org/kg/graph/pmid/24649313', 'https://example.org/g')
        """
        if isinstance(spec, ox.NamedNode):
            return spec.value
        if isinstance(spec, int) and not isinstance(spec, bool):  # True is an int, but names no record
            spec = str(spec)
        if not isinstance(spec, str):
            raise TypeError(f"a graph is named by a PMID, an IRI or a NamedNode, not a {type(spec).__name__}")
        text = spec.strip()
        iri = self.iris.graph(text) if text.isdigit() else (expand_iri(text, self.prefixes) or text)
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise ValueError(f"{spec!r} is neither a PMID nor a graph IRI") from None
        return iri

    def named_graph(self, spec: GraphSpec) -> ox.NamedNode:
        """The named graph ``spec`` names (see :meth:`graph_iri`); ValueError unless the store holds it."""
        node = ox.NamedNode(self.graph_iri(spec))
        if not self.store.contains_named_graph(node):
            raise ValueError(f"the store holds no graph <{node.value}>")
        return node

    def _dump_nquads(self, graph: GraphSpec | None) -> bytes:
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
