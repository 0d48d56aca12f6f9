# Codes of the accelerated / proximal gradient kernel (_apg.pyx), `cpdef`
# so that Python reads them as `_apg.Method`.

cpdef enum Method:
    # Ghadimi-Lan scheme with the tuned damping and restarts
    METHOD_TUNED = 0
    # Ghadimi-Lan scheme with its original damping
    METHOD_GHADIMI_LAN = 1
    # plain proximal gradient
    METHOD_PGD = 2
