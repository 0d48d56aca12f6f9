# Ctrl-C inside the kernels' nogil loops.
#
# A kernel that runs for minutes without the GIL never lets Python run its
# SIGINT handler. The kernels therefore count the work they do (in rough
# floating-point operations) and, every INTERRUPT_WORK units (a few
# milliseconds of compute), take the GIL for the time of one
# PyErr_CheckSignals call. Counting work rather than reading a clock keeps
# the check free of system calls and of platform headers; taking the GIL
# only every few milliseconds keeps its cost negligible even when other
# threads run fits at the same time. The check reads no numbers of the
# solve, so results do not depend on it.
#
# Usage in a `def` kernel:
#
#     cdef Interrupt intr
#     interrupt_init(&intr)
#     with nogil:
#         for it in range(max_iter):
#             if interrupted(&intr, n * p):
#                 break
#             ...
#     free(buffers)                 # only C calls before the next line
#     raise_if_interrupted(&intr)   # propagates KeyboardInterrupt
#
# Once a handler has raised, its exception stays set (no Python API may be
# called until raise_if_interrupted) and every later call of `interrupted`
# returns True at once, so nested loops unwind without taking the GIL again.


cdef extern from "Python.h":
    # Declared here without Cython's `except -1` (cpython.exc's declaration)
    # so that a raising handler leaves its exception set for the kernel to
    # propagate once it has left its nogil block and freed its memory,
    # instead of Cython reporting it as unraisable inside a noexcept helper.
    int _check_signals "PyErr_CheckSignals"() noexcept


cdef enum:
    # about 2 to 10 ms of compute on one core
    INTERRUPT_WORK = 1 << 24


ctypedef struct Interrupt:
    double work
    bint raised


cdef inline void interrupt_init(Interrupt* state) noexcept nogil:
    state.work = 0
    state.raised = False


cdef inline bint interrupted(Interrupt* state, double work) noexcept nogil:
    """Count ``work`` units; True once a signal handler has raised."""
    if state.raised:
        return True
    state.work += work
    if state.work < INTERRUPT_WORK:
        return False
    state.work = 0
    with gil:
        if _check_signals() != 0:
            state.raised = True
    return state.raised


cdef inline int raise_if_interrupted(const Interrupt* state) except -1:
    """Propagate the handler's exception (call with the GIL, after cleanup)."""
    if state.raised:
        return -1
    return 0
