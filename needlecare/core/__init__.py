"""The kernel every app may use: it imports no app of Needlecare."""
