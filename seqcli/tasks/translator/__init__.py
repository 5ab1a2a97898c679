"""The translator (task.py) and how it searches for a translation (search.py)."""
