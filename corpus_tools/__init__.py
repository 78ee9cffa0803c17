"""corpus-tools: raw news articles in, an annotated, versioned dataset out."""

__version__ = "0.1.0"
