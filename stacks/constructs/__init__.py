"""Constructs: one thing a person would name on a whiteboard each."""
