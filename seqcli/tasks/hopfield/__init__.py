"""The Hopfield network: storing and recalling patterns (task.py), the recall drawn step by
step (recall.py), and the capacity experiment, classical against modern (capacity.py)."""
