"""The GraphQL API: translates requests to domain services and results back. No rules here."""
