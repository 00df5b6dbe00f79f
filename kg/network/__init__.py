"""Collaboration and topic networks built from the store (``kg network``, ``kg resolve``).

One topic per module: :mod:`~kg.network.extract` (SPARQL to rows),
:mod:`~kg.network.identity` (which persons are the same person),
:mod:`~kg.network.build` (networkx graphs and filters), :mod:`~kg.network.metrics`,
:mod:`~kg.network.communities`, :mod:`~kg.network.io` (file formats),
:mod:`~kg.network.plot`, :mod:`~kg.network.writeback` (metrics back into RDF) and
:mod:`~kg.network.commands` (the click commands).
"""
