"""The tagger: a label per token (task.py), its batches and vocabularies (batches.py), its
evaluation tables (report.py)."""
