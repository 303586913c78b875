"""Dialogs: each opens with the focus where the person types; Enter confirms, Esc cancels."""
