"""Patient portal: models."""
