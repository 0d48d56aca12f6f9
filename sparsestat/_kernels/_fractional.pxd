# Codes of the fractional coordinate-descent kernels (_fractional.pyx),
# `cpdef` so that Python reads them as `_fractional.Solver`,
# `_fractional.Selection` and `_fractional.Status`.

cpdef enum Solver:
    # proximal Dinkelbach step: argmin_t J_i(x, t) - F(x) g(x + t e_i)
    SOLVER_PCD = 0
    # fractional step: argmin_t J_i(x, t) / g(x + t e_i)
    SOLVER_FCD = 1


cpdef enum Selection:
    # the active coordinates in order
    SELECTION_CYCLIC = 0
    # uniform draws with replacement
    SELECTION_RANDOM = 1
    # Gauss-Southwell: the coordinate whose proximal step is largest
    SELECTION_GREEDY = 2
    # Gauss-Southwell with the step weighted by sqrt(c_i)
    SELECTION_GREEDY_LIPSCHITZ = 3


cpdef enum Status:
    # the largest move of an epoch was at most tol * max|w|
    STATUS_CONVERGED = 0
    # max_iter epochs without converging
    STATUS_MAX_ITER = 1
    # the wall-clock budget max_time ran out
    STATUS_MAX_TIME = 2
