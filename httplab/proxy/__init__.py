"""`httplab proxy`: a reverse proxy on httplab's own protocol core, traced on both legs.

    client ──▶ [ proxy: RequestParser → end-to-end fields + Via → upstream ] ──▶ upstream
    client ◀── [ proxy: ResponseParser → end-to-end fields + Via → client   ] ◀── upstream

Each exchange is two trace records: the client's leg (`#3.1`: what the client sent, what it
got) and the upstream leg (`↑4.1`: what went upstream, what came back). Bodies stream through
in pieces of at most `READ_SIZE` bytes with backpressure on both sides, so a large upload or
download never sits whole in memory.
"""
