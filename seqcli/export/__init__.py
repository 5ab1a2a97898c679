"""seqcli export: a run's model in formats other tools load."""
