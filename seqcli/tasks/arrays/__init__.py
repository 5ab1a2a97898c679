"""Sequences of numbers (data.format arrays): a class, a number or a label per step."""
