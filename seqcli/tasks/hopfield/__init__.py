"""The Hopfield network: storing and recalling patterns (task.py), and the recall drawn step
by step (recall.py)."""
