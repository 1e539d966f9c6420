"""Moving data between a station and the district (no Qt)."""
