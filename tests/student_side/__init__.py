"""What a student receives, attacked from a student's environment."""
