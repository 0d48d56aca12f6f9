"""DAG structure learning: CoLiDE (concomitant linear DAG estimation)."""

from sparsestat.dag._colide import CoLiDE

__all__ = ["CoLiDE"]
