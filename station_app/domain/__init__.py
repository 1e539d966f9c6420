"""The union's work without Qt: models, validation and services."""
