"""Committee outputs: CSV files, provenance, and (later) the Excel workbook, memo and charts.
Exporters are path-in, file-out functions; publishing is staged and atomic."""
