"""The pages and forms, by what they are about. Every POST route is CSRF-checked first."""
