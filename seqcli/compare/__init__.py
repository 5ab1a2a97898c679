"""compare-cells: the grid of cell variants, trained side by side, and its reports."""

from seqcli.compare.grid import Grid, Variant, parse_grid, variant_recipe
from seqcli.compare.run import run_grid, train_variant

__all__ = ["Grid", "Variant", "parse_grid", "run_grid", "train_variant", "variant_recipe"]
