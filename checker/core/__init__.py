"""What every engine shares: results and verdicts, limits and progress, explanations."""
