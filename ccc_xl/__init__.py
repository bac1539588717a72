"""ccc-xl: the workbook and tools of « 100 Chances 100 Emplois en milieu carcéral » (Vienne)."""

__version__ = "0.1.0"
