"""Fast decoding for Llama/Mistral-family models on a GPU: the CUDA-graph decode loop, its static
buffers, token choice, fused step kernels and the NF4 matmul kernels (`engine.nf4`).
Knows nothing about prompts, suites or answers.
"""
