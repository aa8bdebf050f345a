"""The JSON API (/api/v1/): the same services and permissions as the pages."""
