"""Sequences of numbers (data.format arrays): a class per sequence or a label per step."""
