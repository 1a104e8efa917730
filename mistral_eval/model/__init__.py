"""A loaded model and what talks to it: loading with a quantization preset, prompt formats and the
reference tokenization, batched generation, random-weight checkpoints for tests.
"""
