"""Forecasting a series: windows and targets (batches.py), CSV in and out (output.py), the
two forecasting tasks (task.py)."""
