"""Routes the chat platforms POST their events to: one module per channel."""
