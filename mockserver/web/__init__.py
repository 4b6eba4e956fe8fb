"""Flask plumbing shared by every vendor blueprint: request context, journaling, injected failures."""
