"""Committee outputs: CSV files and provenance (:mod:`~core.report.files`), the Excel workbook
(:mod:`~core.report.workbook`), the memo (:mod:`~core.report.memo`), the manifest, and the whole
package (:mod:`~core.report.package`). Exporters are path-in, file-out functions; publishing is
staged and atomic (:mod:`~core.report.publish`)."""
