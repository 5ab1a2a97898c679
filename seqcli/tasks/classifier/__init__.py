"""The classifier: many_to_one over labelled text (table or folder), one class per text."""
