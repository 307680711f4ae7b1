"""Transformer shapes from a parameter count, with exact parameter and FLOP accounting."""

from .shape import ModelShape, ShapeRules, load_shape_rules, shape_for_params, shape_for_metric

__all__ = ["ModelShape", "ShapeRules", "load_shape_rules", "shape_for_params", "shape_for_metric"]
