"""Benchmarks of chaingrad against micrograd, PyTorch 0-d tensors and plain floats (not tests)."""
