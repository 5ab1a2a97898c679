"""Writing from a trained model one step at a time: sampling, the autoregressive loop and
beam search."""
