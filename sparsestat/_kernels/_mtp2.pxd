# Declarations of the MTP2 kernel shared with Python.

# What a stage solver returns as ``status``; a cpdef enum, so that the Python
# layer (covariance/_path.py) reads the codes the kernel writes. Larger is
# worse: the Python layer reports the largest code over the blocks of a stage.
cpdef enum Status:
    CONVERGED = 0
    MAX_ITER = 1
    LINE_SEARCH_FAILED = 2
    NOT_PD = 3
