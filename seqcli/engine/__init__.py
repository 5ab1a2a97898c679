"""Training, evaluation, generation and checkpoints: everything that runs a model."""
