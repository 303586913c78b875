"""Windows of their own beside the main window (the manager's Insight), opened by an
action of the table and closed when the person who opened them signs out."""
