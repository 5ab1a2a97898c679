"""one_to_many: a class (text.py) or a vector of numbers (values.py) in, a sequence out."""
