"""The screens of the main window: one shown at a time, swapped by ``go_to``."""
