"""A run's folder and its files: checkpoints, their validation, the metrics log and loggers."""
