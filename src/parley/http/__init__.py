"""The one HTTP edge: request hygiene, authentication, error mapping and the fast-route table."""
