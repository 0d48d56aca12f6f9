# Status of one stage of the CoLiDE central path (``fista_stage``), read by
# the Python solver (sparsestat.dag._solver) as the same constants.
cpdef enum StageStatus:
    MAX_ITER_REACHED = 0
    CONVERGED = 1
    INFEASIBLE_START = -1
