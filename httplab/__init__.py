"""httplab: an HTTP/1.1 lab in the terminal."""

__version__ = "0.1.0"
