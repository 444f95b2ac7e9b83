"""Streamlit-side helpers: session state, cached data access, widgets. Pages stay thin."""
