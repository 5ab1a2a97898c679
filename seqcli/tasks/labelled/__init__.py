"""many_to_one over labelled text (table or folder data): a class per text (classifier.py)
or a number per text (regressor.py); text.py turns texts into token batches for both."""
