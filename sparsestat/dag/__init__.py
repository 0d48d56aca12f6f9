"""DAG structure learning: CoLiDE (concomitant linear DAG estimation)."""

from sparsestat.dag._colide import CoLiDE
from sparsestat.dag._threshold import threshold_to_dag

__all__ = ["CoLiDE", "threshold_to_dag"]
