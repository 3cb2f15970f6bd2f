"""Search: posts by full text, accounts and hashtags by prefix, local URLs resolved."""
