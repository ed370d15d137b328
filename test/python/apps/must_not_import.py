"""Importing this module is a test failure: a warm-up ping must not load the app."""

raise AssertionError("the app was imported for a warm-up ping")
