"""Ordering: reorder suggestions and the service levels they aim for."""
