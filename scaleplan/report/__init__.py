"""Render a :class:`~scaleplan.plan.Plan` (and other results) as JSON, YAML, Markdown or a rich table."""

from .serialize import FORMATS, to_json, to_markdown_table, to_yaml

__all__ = ["FORMATS", "to_json", "to_yaml", "to_markdown_table"]
