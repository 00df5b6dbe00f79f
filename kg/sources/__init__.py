"""Input formats: MEDLINE text (also flattened), PubMed XML; files, directories, gzip, stdin.

Every reader yields :class:`~kg.records.Record`, :class:`~kg.records.Deletion` and
:class:`~kg.records.ParseError` items and never raises for bad input.
"""

from kg.sources.detect import FORMATS, Format, check_format, expand_paths, ignored_files, read_file, read_records, sniff
from kg.sources.medline import parse_medline, split_flattened
from kg.sources.pubmed_xml import parse_pubmed_xml

__all__ = [
    "FORMATS",
    "Format",
    "check_format",
    "expand_paths",
    "ignored_files",
    "parse_medline",
    "parse_pubmed_xml",
    "read_file",
    "read_records",
    "sniff",
    "split_flattened",
]
