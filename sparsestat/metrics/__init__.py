"""Recovery metrics: selected support of a coefficient vector, graph edges."""

from sparsestat.metrics._graph import edge_recovery, structural_hamming_distance
from sparsestat.metrics._support import support_recovery

__all__ = ["edge_recovery", "structural_hamming_distance", "support_recovery"]
