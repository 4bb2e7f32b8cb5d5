"""The RAM/IMS API gateway (RAM-API.md): the action registry apps' handlers register with
(`actions`), signature verification (`signatures`), the nonce store (`nonces`) and the endpoint
that runs a call (`dispatcher`)."""
