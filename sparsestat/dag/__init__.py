"""DAG structure learning: CoLiDE (concomitant linear DAG estimation)."""

from sparsestat.dag._colide import CoLiDE
from sparsestat.dag._cv import CoLiDECV
from sparsestat.dag._ic import CoLiDEIC
from sparsestat.dag._path import colide_path
from sparsestat.dag._threshold import threshold_to_dag

__all__ = ["CoLiDE", "CoLiDECV", "CoLiDEIC", "colide_path", "threshold_to_dag"]
