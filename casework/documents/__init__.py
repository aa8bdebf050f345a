"""Rendering issued documents to PDF, their tasks and pages (documents.md)."""
