"""seqcli: train, sample and evaluate recurrent sequence models from a YAML recipe."""

__version__ = "0.1.0"
