"""proofkit: the constructive proofs of *Neural Networks Trained by Weight Permutation are Universal
Approximators* (Cai, Chen, Qiao; Neural Networks 187, 2025; arXiv 2407.01033), executable and certified.

Layers (each imports only the ones above it): expr, pwl -> pool, network -> blocks -> construct ->
certify, symbolic -> train -> experiments, plots -> cli. See docs/architecture.md.
"""
__version__ = "0.1.0"
