"""kg serve: the SPARQL endpoint, query page and linked-data pages of a store."""

from kg.server.app import ServerConfig, create_app

__all__ = ["ServerConfig", "create_app"]
