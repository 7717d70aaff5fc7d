"""Artists' AI-training preferences: the register, the published reservations, the links."""
